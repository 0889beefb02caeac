"""The corp tag library from get_corp_tag_list, written only where it differs."""

from __future__ import annotations

from typing import Any

from scrm.models import Tag, TagGroup
from scrm.sync.context import Counts
from wecom.client import WeComClient


async def sync_tags(corp_id: int, client: WeComClient, counts: Counts) -> None:
    """The whole library: groups and tags WeCom lists are upserted, the rest marked deleted."""
    listed = [g for g in (await client.get_corp_tags()).tag_group if not g.deleted]
    groups = {g.group_id: g for g in await TagGroup.filter(corp_id=corp_id)}
    tags = {t.tag_id: t for t in await Tag.filter(corp_id=corp_id)}
    seen_groups: set[str] = set()
    seen_tags: set[str] = set()
    for info in listed:
        seen_groups.add(info.group_id)
        group = groups.get(info.group_id)
        values: dict[str, Any] = {
            "name": info.group_name[:64],
            "order": info.order,
            "deleted": False,
        }
        if group is None:
            group = await TagGroup.create(corp_id=corp_id, group_id=info.group_id, **values)
            counts.add("tags", added=1)
        elif any(getattr(group, k) != v for k, v in values.items()):
            await group.update_from_dict(values).save()
            counts.add("tags", changed=1)
        for t in info.tag:
            if t.deleted:
                continue
            seen_tags.add(t.id)
            tag = tags.get(t.id)
            tv: dict[str, Any] = {
                "name": t.name[:64],
                "order": t.order,
                "deleted": False,
                "group_id": group.id,
            }
            if tag is None:
                await Tag.create(corp_id=corp_id, tag_id=t.id, **tv)
                counts.add("tags", added=1)
            elif any(getattr(tag, k) != v for k, v in tv.items()):
                await tag.update_from_dict(tv).save()
                counts.add("tags", changed=1)
    gone_groups = [g.id for k, g in groups.items() if not g.deleted and k not in seen_groups]
    gone_tags = [t.id for k, t in tags.items() if not t.deleted and k not in seen_tags]
    if gone_groups:
        await TagGroup.filter(id__in=gone_groups).update(deleted=True)
    if gone_tags:
        await Tag.filter(id__in=gone_tags).update(deleted=True)
    counts.add("tags", ended=len(gone_groups) + len(gone_tags))
