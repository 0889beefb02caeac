"""A small registry: each JSON route declares its models once, for validation and the doc."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

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
    statuses: dict[int, str] = field(default_factory=dict)  # answers beyond 200/401/422


@dataclass
class ApiRegistry:
    title: str = "scrm-bot API"
    version: str = "1"
    routes: web.RouteTableDef = field(default_factory=web.RouteTableDef)
    operations: list[Operation] = field(default_factory=list)

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
        statuses: dict[int, str] | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
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
                    dict(statuses or {}),
                )  # fmt: skip
            )
            return handler

        return register

    def document(self) -> dict[str, Any]:
        models = {m for op in self.operations for m in (op.body, op.response) if m is not None}
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
            if op.response is not None:
                ref = refs[(op.response, "serialization")]
                body = {"type": "array", "items": ref} if op.many else ref
                entry["responses"]["200"] = {
                    "description": "OK",
                    "content": {op.media: {"schema": body}},
                }
            else:
                entry["responses"]["200"] = {"description": "OK", "content": {op.media: {}}}
            entry["responses"]["401"] = {"description": "missing or wrong bearer token"}
            entry["responses"]["422"] = {"description": "invalid input, with the reason"}
            for status, said in op.statuses.items():
                entry["responses"][str(status)] = {"description": said}
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
