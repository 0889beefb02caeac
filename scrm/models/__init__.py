"""All tortoise models, re-exported for discovery by Tortoise and the migrations."""

from scrm.models.corp import Corp
from scrm.models.customer import Customer, FollowRelation
from scrm.models.group import GroupChat, GroupMember
from scrm.models.inbox import Inbox
from scrm.models.staff import Staff
from scrm.models.tag import Tag, TagGroup

__all__ = [
    "Corp",
    "Customer",
    "FollowRelation",
    "GroupChat",
    "GroupMember",
    "Inbox",
    "Staff",
    "Tag",
    "TagGroup",
]
