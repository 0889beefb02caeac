"""Enterprise tag groups and tags, mirrored from WeCom's corp tag list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scrm.models import Corp, Tag, TagGroup


@dataclass
class TagSnapshot:
    tag_id: str
    name: str
    order: int = 0


@dataclass
class GroupSnapshot:
    group_id: str
    name: str
    order: int = 0
    tags: list[TagSnapshot] = field(default_factory=list)


async def upsert_groups(corp: Corp, groups: Iterable[GroupSnapshot]) -> int:
    """Write WeCom's view of these groups and their tags; returns the number of tags written."""
    written = 0
    for snap in groups:
        group, _ = await TagGroup.update_or_create(
            corp_id=corp.id,
            group_id=snap.group_id,
            defaults={"name": snap.name, "order": snap.order, "deleted": False},
        )
        for tag in snap.tags:
            await Tag.update_or_create(
                corp_id=corp.id,
                tag_id=tag.tag_id,
                defaults={
                    "name": tag.name,
                    "order": tag.order,
                    "group_id": group.id,
                    "deleted": False,
                },
            )
            written += 1
        # Tags WeCom no longer lists under this group are gone there.
        await (
            Tag.filter(group_id=group.id)
            .exclude(tag_id__in=[t.tag_id for t in snap.tags])
            .update(deleted=True)
        )
    return written


async def mark_deleted(corp: Corp, item_id: str, *, is_group: bool) -> None:
    if is_group:
        await TagGroup.filter(corp_id=corp.id, group_id=item_id).update(deleted=True)
        await Tag.filter(corp_id=corp.id, group__group_id=item_id).update(deleted=True)
    else:
        await Tag.filter(corp_id=corp.id, tag_id=item_id).update(deleted=True)


async def mark_all_missing_deleted(corp: Corp, present_group_ids: list[str]) -> None:
    """After a full sync: groups absent from WeCom's list are deleted there."""
    gone = TagGroup.filter(corp_id=corp.id).exclude(group_id__in=present_group_ids)
    gone_ids = await gone.values_list("id", flat=True)
    await TagGroup.filter(id__in=list(gone_ids)).update(deleted=True)
    await Tag.filter(group_id__in=list(gone_ids)).update(deleted=True)
