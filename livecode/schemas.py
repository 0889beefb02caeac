"""What an admin sends to create or edit a live code, validated with clear messages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from scrm.infra import schedule as sched
from scrm.infra.schemas import Strict
from wecom.client.models.common import Attachment

Strategy = Literal["native", "round_robin", "weighted", "least_loaded"]
_STATE = re.compile(r"^[A-Za-z0-9_\-]{1,30}$")


class MemberSpec(Strict):
    userid: str = Field(min_length=1, max_length=64)
    weight: int = Field(default=1, ge=1, le=100)
    daily_quota: int = Field(default=0, ge=0, description="0 = unlimited")
    total_cap: int = Field(default=0, ge=0, description="0 = unlimited")
    online: bool = True
    backup: bool = False
    welcome_text: str = ""


class WelcomeVariant(Strict):
    """A time-sliced welcome: used when the add happens on these weekdays inside the window."""

    weekdays: list[int] = Field(default=[1, 2, 3, 4, 5, 6, 7])
    start: str = "00:00"
    end: str = "24:00"
    text: str = ""
    attachments: list[Attachment] = Field(default=[], max_length=9)

    @model_validator(mode="after")
    def _check(self) -> WelcomeVariant:
        if any(d not in range(1, 8) for d in self.weekdays):
            raise ValueError("weekdays are ISO numbers 1 (Mon) … 7 (Sun)")
        sched.parse_windows([[self.start, self.end]])
        return self


class LiveCodeSpec(Strict):
    name: str = Field(min_length=1, max_length=64)
    channel: str = Field(default="", max_length=64)
    campaign: str = Field(default="", max_length=64)
    strategy: Strategy = "round_robin"
    members: list[MemberSpec] = Field(default=[], max_length=100)
    departments: list[int] = Field(default=[], description="department ids; members join the pool")
    department_quota: int = Field(default=0, ge=0, description="daily quota for them; 0 = none")
    one_owner: bool = Field(default=False, description="returning customers go to their owner")
    one_owner_text: str = Field(
        default="您好，您的专属顾问{原跟进人}会继续为您服务。", max_length=500
    )
    schedule: dict[str, list[list[str]]] = {}
    special_dates: dict[str, list[list[str]]] = {}
    total_cap: int = Field(default=0, ge=0)
    expires_at: datetime | None = None
    skip_verify_mode: Literal["always", "window", "never"] = "always"
    skip_verify_windows: list[list[str]] = []
    welcome_text: str = ""
    welcome_attachments: list[Attachment] = Field(default=[], max_length=9)
    welcome_material_ids: list[int] = Field(
        default=[], max_length=9, description="素材库 items sent with the welcome, read when sent"
    )
    welcome_variants: list[WelcomeVariant] = []
    tag_ids: list[str] = []
    remark_template: str = Field(default="", max_length=64)
    description_template: str = Field(default="", max_length=255)
    state: str | None = Field(default=None, description="≤ 30 chars, [A-Za-z0-9_-]; generated")

    @field_validator("state")
    @classmethod
    def _state(cls, value: str | None) -> str | None:
        if value is not None and not _STATE.match(value):
            raise ValueError("state must be 1–30 characters of A–Z, a–z, 0–9, _ or -")
        return value

    @field_validator("welcome_text")
    @classmethod
    def _text(cls, value: str) -> str:
        if len(value.encode()) > 4000:
            raise ValueError("welcome_text is over WeCom's 4000 UTF-8 bytes")
        return value

    @model_validator(mode="after")
    def _check(self) -> LiveCodeSpec:
        sched.validate(self.schedule, self.special_dates)
        sched.parse_windows(self.skip_verify_windows)
        if self.skip_verify_mode == "window" and not self.skip_verify_windows:
            raise ValueError("skip_verify_mode 'window' needs skip_verify_windows")
        if not self.departments and not any(not m.backup for m in self.members):
            raise ValueError("members needs at least one member who is not a backup")
        userids = [m.userid for m in self.members]
        if len(set(userids)) != len(userids):
            raise ValueError("a member appears twice")
        return self

    def columns(self) -> dict[str, Any]:
        """The LiveCode columns this spec sets (members are rows of their own)."""
        data = self.model_dump(exclude={"members", "state"}, mode="json")
        data["expires_at"] = self.expires_at
        data["welcome_variants"] = [
            v.model_dump(mode="json", exclude_none=True) for v in self.welcome_variants
        ]
        data["welcome_attachments"] = [
            a.model_dump(mode="json", exclude_none=True) for a in self.welcome_attachments
        ]
        data["staff_userids"] = [m.userid for m in self.members if not m.backup]
        return data


class LiveCodeOut(BaseModel):
    id: int
    name: str
    state: str
    channel: str
    campaign: str
    strategy: str
    status: str
    qr_url: str
    config_id: str
    members: list[MemberSpec]
    last_error: str
    welcome_material_ids: list[int] = []
