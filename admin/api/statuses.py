"""Every HTTP status the API answers with, what it means, and which an operation can return.

The OpenAPI document lists, for each operation, its success status and every error status it
can give (schemathesis fails the suite on any status an operation returns but does not list)."""

from __future__ import annotations

STATUSES: dict[int, str] = {
    200: "OK",
    201: "created",
    202: "accepted: the work runs as a background job (follow its progress id)",
    400: "malformed request the handler refuses before validation (e.g. a bad upload)",
    401: "missing or wrong bearer token, or no session",
    403: "the caller's role may not do this",
    404: "no such record in the caller's corp and scope (or an id out of range)",
    409: "conflicts with the record's current state (a duplicate, a wrong stage, a claim race)",
    413: "request body over the size limit",
    415: "the body is not of a media type this route takes",
    422: "invalid input; the body names each field and why",
    429: "too many requests; try again later",
    502: "WeCom (or another upstream) refused or could not be reached",
    503: "a dependency (Redis, the job queue, a renderer) is not available right now",
}

# What any operation can answer: the token check, the role check, validation (the bootstrap
# token's `?corp_id=` is validated on every corp-scoped route too).
ALWAYS: tuple[int, ...] = (401, 403, 422)
WITH_BODY: tuple[int, ...] = (413,)  # aiohttp's client_max_size
# A record named by the path, or referenced by the body, may be missing or out of scope.
WITH_RECORD: tuple[int, ...] = (404,)


def error_statuses(*, has_path_id: bool, has_body: bool, extra: tuple[int, ...]) -> list[int]:
    """The error statuses one operation documents, in order."""
    codes = set(ALWAYS) | set(extra)
    if has_body:
        codes |= set(WITH_BODY) | set(WITH_RECORD)
    if has_path_id:
        codes |= set(WITH_RECORD)
    unknown = codes - set(STATUSES)
    if unknown:  # a typo in a route's `errors=` would otherwise document a meaningless code
        raise ValueError(f"undescribed statuses {sorted(unknown)}")
    return sorted(codes)
