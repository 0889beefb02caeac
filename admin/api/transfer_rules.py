"""/api/v1/transfer-rules: saved ways to hand out a departed member's customers (离职继承)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field, model_validator

from admin.api.auth import require
from admin.api.common import corp_for, error, ok, owned, parse
from admin.api.openapi import API
from scrm.infra.schemas import Strict
from scrm.models import Staff, TransferRule

TAG = "transfers"


class RuleIn(Strict):
    name: str = Field(min_length=1, max_length=32)
    takeover_userids: list[str] = Field(default_factory=list, max_length=100)
    to_manager: bool = False

    @model_validator(mode="after")
    def _one_way(self) -> RuleIn:
        if self.to_manager == bool(self.takeover_userids):
            raise ValueError("choose to_manager or takeover_userids, not both or neither")
        return self


def rule_out(rule: TransferRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "takeover_userids": rule.takeover_userids,
        "to_manager": rule.to_manager,
    }


@API.route("GET", "/api/v1/transfer-rules", "Saved 离职继承 rules", tag=TAG)
async def list_rules(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    return ok([rule_out(r) for r in await TransferRule.filter(corp_id=corp.id).order_by("id")])


@API.route(
    "POST",
    "/api/v1/transfer-rules",
    "Save a 离职继承 rule",
    tag=TAG,
    body=RuleIn,
    status=201,
    also=(409,),
)
async def create_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, RuleIn)
    members = list(dict.fromkeys(body.takeover_userids))
    known = set(
        await Staff.filter(corp_id=corp.id, userid__in=members).values_list("userid", flat=True)
    )
    if missing := [u for u in members if u not in known]:
        return error(422, f"unknown members: {', '.join(missing)}")
    if await TransferRule.exists(corp_id=corp.id, name=body.name):
        return error(409, "a rule with this name exists")
    rule = await TransferRule.create(
        corp_id=corp.id, name=body.name, takeover_userids=members, to_manager=body.to_manager
    )
    return ok(rule_out(rule), status=201)


@API.route("GET", "/api/v1/transfer-rules/{id}", "One 离职继承 rule", tag=TAG)
async def get_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    _, rule = await owned(request, TransferRule, "transfer rule")
    return ok(rule_out(rule))


@API.route("DELETE", "/api/v1/transfer-rules/{id}", "Delete a 离职继承 rule", tag=TAG)
async def delete_rule(request: web.Request) -> web.Response:
    require(request, "admin")
    _, rule = await owned(request, TransferRule, "transfer rule")
    await rule.delete()
    return ok({"deleted": rule.id})
