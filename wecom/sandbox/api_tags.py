"""Corp tags and mark_tag."""

from __future__ import annotations

from typing import Any

from wecom.sandbox.state import new_id, now
from wecom.sandbox.wire import Call, api, max_chars, require


def _group_json(call: Call, group_id: str, only: set[str] | None = None) -> dict[str, Any]:
    group = call.corp.tag_groups[group_id]
    tags = [t for t in call.corp.tags.values() if t["group_id"] == group_id]
    if only is not None:
        tags = [t for t in tags if t["id"] in only]
    return {
        **group,
        "tag": [{k: v for k, v in t.items() if k != "group_id"} for t in tags],
    }


@api("externalcontact/get_corp_tag_list")
async def tag_list(call: Call) -> dict[str, Any]:
    tag_ids, group_ids = call.body.get("tag_id") or [], call.body.get("group_id") or []
    groups = list(call.corp.tag_groups)
    if group_ids:
        groups = [g for g in groups if g in group_ids]
    if tag_ids:
        groups = [
            g
            for g in groups
            if any(call.corp.tags[t]["group_id"] == g for t in tag_ids if t in call.corp.tags)
        ]
        return {"tag_group": [_group_json(call, g, set(tag_ids)) for g in groups]}
    return {"tag_group": [_group_json(call, g) for g in groups]}


@api("externalcontact/add_corp_tag")
async def add_tag(call: Call) -> dict[str, Any]:
    new_tags = call.body.get("tag") or []
    require(new_tags, 40058, "tag list required")
    group_id = call.body.get("group_id")
    if group_id:
        require(group_id in call.corp.tag_groups, 40068, "invalid tag group id")
    else:
        name = call.body.get("group_name")
        require(name, 40058, "group_id or group_name required")
        max_chars(name, 30, "group_name")
        group_id = next(
            (g for g, v in call.corp.tag_groups.items() if v["group_name"] == name), None
        )
        if group_id is None:
            group_id = new_id("et", 10)
            call.corp.tag_groups[group_id] = {
                "group_id": group_id,
                "group_name": name,
                "create_time": int(now()),
                "order": call.body.get("order", 0),
                "deleted": False,
            }
    existing = {t["name"] for t in call.corp.tags.values() if t["group_id"] == group_id}
    created = set()
    for tag in new_tags:
        max_chars(tag.get("name"), 30, "tag name")
        require(
            tag.get("name") and tag["name"] not in existing, 40071, "UserTag Name Already Exist"
        )
        tag_id = new_id("et", 10)
        call.corp.tags[tag_id] = {
            "id": tag_id,
            "name": tag["name"],
            "group_id": group_id,
            "create_time": int(now()),
            "order": tag.get("order", 0),
            "deleted": False,
        }
        existing.add(tag["name"])
        created.add(tag_id)
    return {"tag_group": _group_json(call, group_id, created)}


@api("externalcontact/edit_corp_tag")
async def edit_tag(call: Call) -> dict[str, Any]:
    item = call.corp.tags.get(call.arg("id")) or call.corp.tag_groups.get(call.arg("id"))
    require(item, 40068, "invalid tagid")
    assert item is not None
    max_chars(call.body.get("name"), 30, "name")
    if "name" in call.body:
        item["name" if "name" in item else "group_name"] = call.body["name"]
    if "order" in call.body:
        item["order"] = call.body["order"]
    return {}


@api("externalcontact/del_corp_tag")
async def del_tag(call: Call) -> dict[str, Any]:
    tag_ids, group_ids = call.body.get("tag_id") or [], call.body.get("group_id") or []
    require(tag_ids or group_ids, 40058, "tag_id or group_id required")
    for t in tag_ids:
        require(t in call.corp.tags, 40068, "invalid tagid")
    for t in tag_ids:
        del call.corp.tags[t]
    for g in group_ids:
        call.corp.tag_groups.pop(g, None)
        for t in [t for t, v in call.corp.tags.items() if v["group_id"] == g]:
            del call.corp.tags[t]
    return {}


@api("externalcontact/mark_tag")
async def mark_tag(call: Call) -> dict[str, Any]:
    add, remove = call.body.get("add_tag") or [], call.body.get("remove_tag") or []
    require(add or remove, 40058, "add_tag and remove_tag both empty")
    for t in [*add, *remove]:
        require(t in call.corp.tags, 40068, f"invalid tagid {t}")
    rel = call.corp.relation(call.arg("userid"), call.arg("external_userid"))
    require(rel, 84061, "not external contact")
    assert rel is not None
    rel.tags = (rel.tags | set(add)) - set(remove)
    call.world.record(
        "mark_tag",
        call.corp.conf.corp_id,
        userid=rel.userid,
        external_userid=rel.external_userid,
        add_tag=add,
        remove_tag=remove,
    )
    return {}
