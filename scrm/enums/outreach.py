"""Closed sets of reaching customers: 素材库 and 话术库 items, 群发, channel and group codes."""

from __future__ import annotations

from enum import StrEnum


class MaterialKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    LINK = "link"
    MINIPROGRAM = "miniprogram"
    FILE = "file"
    VIDEO = "video"
    POSTER = "poster"


class QuickReplyKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    LINK = "link"
    MATERIAL = "material"  # a 素材库 item, read when it is inserted


class ChatType(StrEnum):
    """Whom a 群发 reaches: customers one by one, or customer groups."""

    SINGLE = "single"
    GROUP = "group"


class MassSendStatus(StrEnum):
    """scheduled → sending → sent (every task made) | failed | cancelled."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class LiveCodeStrategy(StrEnum):
    """NATIVE: WeCom picks among the members of one multi-member contact way; the others: our
    /l/{id} page picks, then shows that member's own single-member contact way."""

    NATIVE = "native"
    ROUND_ROBIN = "round_robin"
    WEIGHTED = "weighted"
    LEAST_LOADED = "least_loaded"


class SkipVerifyMode(StrEnum):
    """When an add skips the member's confirmation."""

    ALWAYS = "always"
    WINDOW = "window"  # within skip_verify_windows only
    NEVER = "never"


class LiveCodeStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    EXHAUSTED = "exhausted"  # no member may take another customer
    EXPIRED = "expired"


class WelcomeResult(StrEnum):
    """What became of an add's welcome message."""

    NOT_RECORDED = ""
    SENT = "sent"
    SPENT = "spent"  # the welcome code was used already (a redelivery, or the customer spoke)
    EXPIRED = "expired"  # too late in WeCom's 20 s to try
    SKIPPED = "skipped"  # the code has no welcome to send
    FAILED = "failed"
    NONE = "none"  # no welcome code: the admin console owns this member's welcome


class GroupCodeStatus(StrEnum):
    ACTIVE = "active"
    FULL = "full"  # every group is full and none may be made
    PAUSED = "paused"
