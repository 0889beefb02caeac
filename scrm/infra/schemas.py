"""The one base of request and config bodies (an unknown field is an error, never ignored), and
the field types they share."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _http_only(value: str) -> str:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) address")
    return value


# An address a member's phone opens (a picture, a link, a cover): http(s) or empty.
HttpText = Annotated[str, AfterValidator(_http_only)]
