"""A small registry: each JSON route declares its models once, for validation and the doc."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from admin.api.bounds import bound_model
from admin.api.statuses import STATUSES, error_statuses

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    many: bool
    media: str = "application/json"
    status: int = 200  # the success status
    also: tuple[int, ...] = ()  # statuses beyond statuses.ALWAYS and the body/path ones
    handler: Handler | None = None
    # Route-specific wording for some statuses (their codes are added to `also`).
    said: dict[int, str] = field(default_factory=dict)


@dataclass
class ApiRegistry:
    title: str = "scrm-bot API"
    version: str = "1"
    routes: web.RouteTableDef = field(default_factory=web.RouteTableDef)
    operations: list[Operation] = field(default_factory=list)
    rebuilt: bool = False

    def route(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        tag: str,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        many: bool = False,
        media: str = "application/json",
        status: int = 200,
        also: tuple[int, ...] = (),
        statuses: dict[int, str] | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if body is not None:
                bound_model(body)  # no unbounded number or string reaches a handler
            self.routes.route(method, path)(handler)
            self.operations.append(
                Operation(
                    method.lower(),
                    path,
                    summary,
                    tag,
                    body,
                    response,
                    many,
                    media,
                    status,
                    tuple(sorted({*also, *(statuses or {})})),
                    handler,
                    dict(statuses or {}),
                )  # fmt: skip
            )
            return handler

        return register

    def document(self) -> dict[str, Any]:
        models = {m for op in self.operations for m in (op.body, op.response) if m is not None}
        if not self.rebuilt:
            # A response model nesting a body model keeps the body model's schema from before
            # bound_model; rebuilt once, the document shows one (bounded) schema per model.
            for model in models:
                model.model_rebuild(force=True)
            self.rebuilt = True
        modes: tuple[Literal["validation"], Literal["serialization"]] = (
            "validation",
            "serialization",
        )
        keyed = [(m, mode) for m in sorted(models, key=lambda m: m.__name__) for mode in modes]
        refs, schema = models_json_schema(keyed, ref_template="#/components/schemas/{model}")
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            entry: dict[str, Any] = {
                "summary": op.summary,
                "tags": [op.tag],
                "security": [{"bearer": []}],
                "responses": {},
            }
            params = [p.strip("{}") for p in op.path.split("/") if p.startswith("{")]
            if params:
                entry["parameters"] = [
                    {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                    for p in params
                ]
            if op.body is not None:
                ref = refs[(op.body, "validation")]
                entry["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": ref}},
                }
            ok = str(op.status)
            if op.response is not None:
                ref = refs[(op.response, "serialization")]
                body = {"type": "array", "items": ref} if op.many else ref
                entry["responses"][ok] = {
                    "description": STATUSES[op.status],
                    "content": {op.media: {"schema": body}},
                }
            else:
                entry["responses"][ok] = {
                    "description": STATUSES[op.status],
                    "content": {op.media: {}},
                }
            codes = error_statuses(
                has_path_id=bool(params), has_body=op.body is not None, extra=op.also
            )
            for code in codes:
                entry["responses"].setdefault(str(code), {"description": STATUSES[code]})
            for code, words in op.said.items():
                entry["responses"][str(code)] = {"description": words}
            paths.setdefault(op.path, {})[op.method] = entry
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": paths,
            "components": {
                "schemas": schema.get("$defs", {}),
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        }


API = ApiRegistry()
