"""WeCom JSON → mirror fields: the one place a customer, relation, group or member is mapped.

The bulk sync and the single-record refreshes (add/edit events, the sidebar) both call these,
so a field WeCom adds is mapped once, and the diff compares the same values either way."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from scrm import vault
from scrm.enums import MemberType
from wecom.client.models.contacts import ExternalContact, FollowInfo, FollowUser
from wecom.client.models.groups import GroupChatInfo, GroupMemberInfo

# The columns a sync compares; a row is written only when one of these differs.
CUSTOMER_FIELDS = ("name", "avatar", "type", "gender", "corp_name", "position", "unionid")
RELATION_FIELDS = (
    "remark",
    "description",
    "added_at",
    "tag_ids",
    "add_way",
    "state",
    "oper_userid",
    "mobile_indexes",
)
GROUP_FIELDS = ("name", "owner_userid", "notice", "admins", "member_count", "member_version")
MEMBER_FIELDS = ("type", "join_scene", "joined_at", "invitor", "group_nickname", "name")

WECOM_MEMBER = 1  # groupchat/get member type: 1 corp member, 2 external contact


def instant(epoch: int) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def customer_fields(contact: ExternalContact) -> dict[str, Any]:
    """The profile; fields WeCom left out (no permission, older API) keep what is stored."""
    out: dict[str, Any] = {"name": contact.name[:128], "type": contact.type}
    out["gender"] = contact.gender
    for name in ("avatar", "corp_name", "position", "unionid"):
        value = getattr(contact, name)
        if value is not None:
            out[name] = str(value)[: 512 if name == "avatar" else 128]
    return out


def relation_fields(info: FollowInfo | FollowUser) -> dict[str, Any]:
    """One member's view of a customer, from batch/get_by_user or externalcontact/get."""
    if isinstance(info, FollowInfo):
        tag_ids = sorted(set(info.tag_id))
    else:  # externalcontact/get names the tags; only corp tags (type 1) have an id we mirror
        tag_ids = sorted({t.tag_id for t in info.tags if t.tag_id and t.type == 1})
    phones = [p for p in info.remark_mobiles if p]
    index = vault.current().blind_index
    return {
        "remark": info.remark[:64],
        "description": info.description[:255],
        "added_at": instant(info.createtime),
        "tag_ids": tag_ids,
        "add_way": info.add_way,
        "state": info.state[:64],
        "oper_userid": (info.oper_userid or "")[:64],
        "mobile_indexes": [index(vault.normalize_phone(p)) for p in phones],
        # Not compared (it is encrypted with a fresh nonce each time); the indexes stand for it.
        "remark_mobiles": json.dumps(phones) if phones else None,
    }


def group_fields(chat: GroupChatInfo) -> dict[str, Any]:
    return {
        "name": chat.name[:128],
        "owner_userid": chat.owner,
        "notice": chat.notice,
        "admins": sorted(a.get("userid", "") for a in chat.admin_list if a.get("userid")),
        "member_count": len(chat.member_list),
        "member_version": chat.member_version or "",
    }


def member_fields(member: GroupMemberInfo) -> dict[str, Any]:
    return {
        "type": MemberType.STAFF if member.type == WECOM_MEMBER else MemberType.EXTERNAL,
        "join_scene": member.join_scene,
        "joined_at": instant(member.join_time),
        "invitor": (member.invitor or {}).get("userid", "")[:64],
        "group_nickname": member.group_nickname[:128],
        "name": member.name[:128],
    }


def _same(stored: Any, fresh: Any) -> bool:
    if isinstance(stored, datetime) or isinstance(fresh, datetime):
        # The databases hand back aware or naive UTC instants; compare whole seconds.
        return _epoch(stored) == _epoch(fresh)
    if isinstance(stored, list) and isinstance(fresh, list):
        return sorted(map(str, stored)) == sorted(map(str, fresh))
    return bool(stored == fresh)


def _epoch(value: Any) -> int | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def differs(stored: dict[str, Any], fresh: dict[str, Any], names: tuple[str, ...]) -> bool:
    """Whether writing `fresh` would change any compared column of `stored`."""
    return any(n in fresh and not _same(stored.get(n), fresh[n]) for n in names)
