"""Customers and 「联系我」 contact ways, with WeCom's validation."""

from __future__ import annotations

from typing import Any

from wecom.sandbox.people import avatar_url
from wecom.sandbox.state import CorpState, Relation, new_id, now
from wecom.sandbox.wire import (
    Call,
    api,
    make_cursor,
    max_chars,
    page_limit,
    read_cursor,
    require,
)

FOLLOWERS_PAGE = 500  # externalcontact/get pages follow_user beyond this many


def base_url(call: Call) -> str:
    return call.world.config.public_url or str(call.request.url.origin())


def contact_json(corp: CorpState, external_userid: str, base: str) -> dict[str, Any]:
    c = corp.customers[external_userid]
    out: dict[str, Any] = {
        "external_userid": c.external_userid,
        "name": c.name,
        "avatar": c.avatar or avatar_url(base, c.external_userid),
        "type": c.type,
        "gender": c.gender,
        "unionid": c.unionid,
    }
    if c.type == 2:  # only WeCom users carry a company and a position
        out.update(position=c.position, corp_name=c.corp_name, corp_full_name=c.corp_name)
    return out


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
        "remark_mobiles": list(rel.remark_mobiles),
        "add_way": rel.add_way,
        # A customer who scanned a code asked to be added; otherwise the member added them.
        "oper_userid": rel.external_userid if rel.add_way == 1 else rel.userid,
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
    ids = [e for e in call.corp.customers_of(userid) if call.corp.relation(userid, e)]
    require(ids, 84061, "not external contact")
    return {"external_userid": ids}


@api("externalcontact/get")
async def get_contact(call: Call) -> dict[str, Any]:
    ext = call.arg("external_userid")
    require(ext, 41035, "missing external_userid")
    require(ext in call.corp.customers, 40096, "invalid external userid")
    (start,) = read_cursor(call.arg("cursor"), 1)
    followers = call.corp.followers_of(ext)
    rels = [r for u in followers if (r := call.corp.relation(u, ext)) is not None]
    require(rels, 84061, "not external contact")
    page = rels[start : start + FOLLOWERS_PAGE]
    more = start + FOLLOWERS_PAGE < len(rels)
    return {
        "external_contact": contact_json(call.corp, ext, base_url(call)),
        "follow_user": [follow_json(call.corp, r) for r in page],
        "next_cursor": make_cursor(start + FOLLOWERS_PAGE) if more else "",
    }


@api("externalcontact/batch/get_by_user")
async def batch_get(call: Call) -> dict[str, Any]:
    """Each listed member's customers in turn, `limit` relations a page; the cursor holds
    (member index, position in that member's list)."""
    users = call.arg("userid_list") or []
    require(
        isinstance(users, list) and 0 < len(users) <= 100,
        40058,
        "userid_list must hold 1..100 userids",
    )
    limit = page_limit(call.arg("limit"), 50, 100)
    user_at, offset = read_cursor(call.arg("cursor"), 2)
    corp, base = call.corp, base_url(call)
    out: list[dict[str, Any]] = []
    next_cursor = ""
    while user_at < len(users) and not next_cursor:
        keys = corp.customers_of(users[user_at])
        while offset < len(keys):
            rel = corp.relation(users[user_at], keys[offset])
            if rel is not None:
                if len(out) == limit:
                    next_cursor = make_cursor(user_at, offset)
                    break
                info = follow_json(corp, rel)
                del info["tags"]
                info["tag_id"] = sorted(rel.tags)
                out.append(
                    {
                        "external_contact": contact_json(corp, keys[offset], base),
                        "follow_info": info,
                    }
                )
            offset += 1
        else:
            user_at, offset = user_at + 1, 0
    return {"external_contact_list": out, "next_cursor": next_cursor}


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
