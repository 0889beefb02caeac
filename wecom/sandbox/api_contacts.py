"""Customers and 「联系我」 contact ways, with WeCom's validation."""

from __future__ import annotations

from typing import Any

from wecom.sandbox.state import CorpState, Relation, new_id, now
from wecom.sandbox.wire import Call, api, max_chars, require


def contact_json(corp: CorpState, external_userid: str) -> dict[str, Any]:
    c = corp.customers[external_userid]
    return {
        "external_userid": c.external_userid,
        "name": c.name,
        "type": c.type,
        "unionid": c.unionid,
        "gender": 0,
    }


def follow_json(corp: CorpState, rel: Relation) -> dict[str, Any]:
    tags = []
    for tag_id in sorted(rel.tags):
        tag = corp.tags.get(tag_id)
        if tag:
            group = corp.tag_groups[tag["group_id"]]
            tags.append(
                {
                    "group_name": group["group_name"],
                    "tag_name": tag["name"],
                    "type": 1,
                    "tag_id": tag_id,
                }
            )
    return {
        "userid": rel.userid,
        "remark": rel.remark,
        "description": rel.description,
        "createtime": rel.createtime,
        "tags": tags,
        "remark_mobiles": rel.remark_mobiles,
        "add_way": rel.add_way,
        "state": rel.state,
    }


@api("externalcontact/get_follow_user_list")
async def follow_users(call: Call) -> dict[str, Any]:
    return {"follow_user": sorted(u for u, s in call.corp.staff.items() if not s.resigned)}


@api("user/simplelist")
async def department_users(call: Call) -> dict[str, Any]:
    try:
        department = int(call.arg("department_id"))
    except (TypeError, ValueError):
        department = 0
    require(department > 0, 60123, "invalid department_id")
    # The sandbox's departments are flat: fetch_child changes nothing.
    users = [s for s in call.corp.staff.values() if department in s.department and not s.resigned]
    return {
        "userlist": [
            {"userid": s.userid, "name": s.name, "department": s.department} for s in users
        ]
    }


@api("externalcontact/list")
async def list_contacts(call: Call) -> dict[str, Any]:
    userid = call.arg("userid")
    require(userid in call.corp.staff, 40003, "invalid userid")
    ids = [e for (u, e), r in call.corp.relations.items() if u == userid and r.active]
    require(ids, 84061, "not external contact")
    return {"external_userid": ids}


@api("externalcontact/get")
async def get_contact(call: Call) -> dict[str, Any]:
    ext = call.arg("external_userid")
    require(ext in call.corp.customers, 40096, "invalid external userid")
    rels = [r for (_, e), r in call.corp.relations.items() if e == ext and r.active]
    return {
        "external_contact": contact_json(call.corp, ext),
        "follow_user": [follow_json(call.corp, r) for r in rels],
        "next_cursor": "",
    }


@api("externalcontact/batch/get_by_user")
async def batch_get(call: Call) -> dict[str, Any]:
    users = call.arg("userid_list") or []
    require(users and len(users) <= 100, 40058, "userid_list must hold 1..100 userids")
    out = []
    for (u, e), rel in call.corp.relations.items():
        if u in users and rel.active:
            info = follow_json(call.corp, rel)
            info["tag_id"] = sorted(rel.tags)
            out.append({"external_contact": contact_json(call.corp, e), "follow_info": info})
    return {"external_contact_list": out, "next_cursor": ""}


@api("externalcontact/remark")
async def remark(call: Call) -> dict[str, Any]:
    rel = call.corp.relation(call.arg("userid"), call.arg("external_userid"))
    require(rel, 84061, "not external contact")
    assert rel is not None
    max_chars(call.body.get("remark"), 20, "remark")
    max_chars(call.body.get("description"), 150, "description")
    for name in ("remark", "description"):
        if name in call.body:
            setattr(rel, name, call.body[name])
    if "remark_mobiles" in call.body:
        rel.remark_mobiles = [m for m in call.body["remark_mobiles"] if m]
    call.world.record("remark", call.corp.conf.corp_id, **call.body)
    return {}


def _validate_way(call: Call, way: dict[str, Any], creating: bool) -> None:
    if creating:
        require(way.get("type") in (1, 2), 40058, "type must be 1 (single) or 2 (multi)")
        require(way.get("scene") in (1, 2), 40058, "scene must be 1 or 2")
    max_chars(way.get("state"), 30, "state")
    max_chars(way.get("remark"), 30, "remark")
    users = way.get("user") or []
    if creating or "user" in way:
        if way.get("type") == 1:
            require(len(users) == 1, 40058, "type 1 needs exactly one user")
        require(users or way.get("party"), 40058, "user or party required")
        require(len(users) <= 100, 40058, "at most 100 users per contact way")
    for userid in users:
        require(userid in call.corp.staff, 40003, f"invalid userid {userid}")


@api("externalcontact/add_contact_way")
async def add_way(call: Call) -> dict[str, Any]:
    _validate_way(call, call.body, creating=True)
    config_id = new_id("", 16)
    base = call.world.config.public_url or str(call.request.url.origin())
    qr = f"{base}/sandbox/qr/{config_id}" if call.body["scene"] == 2 else ""
    call.corp.contact_ways[config_id] = {
        **call.body,
        "config_id": config_id,
        "qr_code": qr,
        "created": now(),
        "cursor": 0,
        "skip_verify": call.body.get("skip_verify", True),
    }
    return {"config_id": config_id, **({"qr_code": qr} if qr else {})}


def _way(call: Call) -> dict[str, Any]:
    way = call.corp.contact_ways.get(call.arg("config_id"))
    require(way, 40058, "invalid config_id")
    assert way is not None
    return way


@api("externalcontact/get_contact_way")
async def get_way(call: Call) -> dict[str, Any]:
    way = _way(call)
    return {"contact_way": {k: v for k, v in way.items() if k not in ("created", "cursor")}}


@api("externalcontact/update_contact_way")
async def update_way(call: Call) -> dict[str, Any]:
    way = _way(call)
    _validate_way(call, {**call.body, "type": way["type"]}, creating=False)
    way.update({k: v for k, v in call.body.items() if k != "config_id"})
    return {}


@api("externalcontact/del_contact_way")
async def del_way(call: Call) -> dict[str, Any]:
    _way(call)
    del call.corp.contact_ways[call.arg("config_id")]
    return {}


@api("externalcontact/list_contact_way")
async def list_ways(call: Call) -> dict[str, Any]:
    start = call.body.get("start_time") or now() - 90 * 86400
    end = call.body.get("end_time") or now()
    ids = [
        {"config_id": k} for k, w in call.corp.contact_ways.items() if start <= w["created"] <= end
    ]
    return {"contact_way": ids, "next_cursor": ""}
