"""Starting hand-overs: 在职转接 and 离职继承 of customers (≤ 100 per WeCom call), and of groups.

Before WeCom is asked, each customer is screened locally: a customer of someone else, one
already being handed over, or one handed over twice in the last 90 days cannot move, and the
caller is told why. A hand-over WeCom accepted is `waiting` until its result is polled
(transfer_track)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.enums import HandoverStatus, RelationStatus
from scrm.models import Corp, FollowRelation, GroupChat, Handover, Staff
from scrm.services import transfer_moves
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.misc import ResignedTransfer, Transfer
from wecom.client.models.transfer import GroupTransfer

BATCH = 100  # WeCom's limit per transfer_customer call
WINDOW = timedelta(days=90)
PER_WINDOW = 2
FIRST_CHECK = timedelta(minutes=1)
# Every hand-over that started counts against the 2 per 90 days, whatever became of it.
STARTED = ("waiting", "done", "refused", "limit")
OPEN = ("pending", "waiting")
ERRCODES = {
    40129: "该客户90天内已被转接2次",
    84061: "该成员与客户不是好友",
    40097: "该成员尚未离职",
    40003: "成员无效或已离职",
    40096: "客户ID无效",
    86001: "客户群不存在",
    90500: "群主已离职，请用离职继承",
    90501: "群主尚未离职",
    90502: "新群主已是群主",
}


class TransferRefused(Exception):
    """The request itself is wrong (a member unknown, both sides the same): nothing started."""


@dataclass
class Outcome:
    batch: str
    started: list[str] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"batch": self.batch, "started": self.started, "blocked": self.blocked}


def reason_for(errcode: int) -> str:
    return ERRCODES.get(errcode, f"企业微信拒绝（错误码 {errcode}）")


async def screen(
    corp: Corp, handover: str, external_userids: list[str], now: datetime, resigned: bool = False
) -> tuple[list[str], list[dict[str, Any]]]:
    """(movable ids, [{external_userid, reason}]) — the 90-day rule and friendships checked."""
    ids = list(dict.fromkeys(external_userids))
    friends = set(
        await FollowRelation.filter(
            corp_id=corp.id,
            staff__userid=handover,
            customer__external_userid__in=ids,
            status=RelationStatus.ACTIVE,
        ).values_list("customer__external_userid", flat=True)
    )
    history = await Handover.filter(
        corp_id=corp.id, external_userid__in=ids, chat_id="", status__in=STARTED + OPEN
    ).values("external_userid", "status", "started_at")
    busy = {h["external_userid"] for h in history if h["status"] in OPEN}
    counts: dict[str, int] = {}
    for h in history:
        if h["status"] in STARTED and h["started_at"] and now - h["started_at"] < WINDOW:
            counts[h["external_userid"]] = counts.get(h["external_userid"], 0) + 1
    movable, blocked = [], []
    for ext in ids:
        if ext not in friends and not resigned:
            blocked.append({"external_userid": ext, "reason": "不是该成员的客户"})
        elif ext in busy:
            blocked.append({"external_userid": ext, "reason": "正在转接中"})
        elif counts.get(ext, 0) >= PER_WINDOW:
            blocked.append({"external_userid": ext, "reason": "该客户90天内已被转接2次"})
        else:
            movable.append(ext)
    return movable, blocked


async def _member(corp: Corp, userid: str) -> Staff:
    staff = await Staff.get_or_none(corp_id=corp.id, userid=userid)
    if staff is None:
        raise TransferRefused(f"成员 {userid} 不存在")
    return staff


async def start_customers(
    corp: Corp,
    client: WeComClient,
    *,
    handover: str,
    takeover: str,
    external_userids: list[str],
    resigned: bool = False,
    message: str = "",
    operator: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Screen, then ask WeCom in batches of 100; every customer ends waiting or blocked."""
    now = now or datetime.now(UTC)
    if handover == takeover:
        raise TransferRefused("原跟进成员与接替成员不能相同")
    await _member(corp, handover)
    if not (await _member(corp, takeover)).active:
        raise TransferRefused(f"接替成员 {takeover} 已停用")
    movable, blocked = await screen(corp, handover, external_userids, now, resigned)
    outcome = Outcome(secrets.token_hex(8), blocked=blocked)
    kind = "resigned" if resigned else "onjob"
    for i in range(0, len(movable), BATCH):
        chunk = movable[i : i + BATCH]
        rows = {
            ext: await Handover.create(
                corp_id=corp.id, kind=kind, batch=outcome.batch, handover_userid=handover,
                takeover_userid=takeover, external_userid=ext, message=message,
                operator=operator,
            )
            for ext in chunk
        }  # fmt: skip
        try:
            if resigned:
                answer = await client.resigned_transfer_customer(
                    ResignedTransfer(
                        handover_userid=handover, takeover_userid=takeover, external_userid=chunk
                    )
                )
            else:
                answer = await client.transfer_customer(
                    Transfer(
                        handover_userid=handover, takeover_userid=takeover,
                        external_userid=chunk, transfer_success_msg=message or None,
                    )
                )  # fmt: skip
            codes = {c.external_userid: c.errcode for c in answer.customer}
        except errors.WeComError as exc:
            codes = dict.fromkeys(chunk, exc.errcode)
        for ext, row in rows.items():
            code = codes.get(ext, 0)
            if code:
                row.status, row.errcode = HandoverStatus.FAILED, code
                row.reason = reason_for(code)
                row.finished_at = now
                outcome.blocked.append({"external_userid": ext, "reason": row.reason})
            else:
                row.status, row.started_at = HandoverStatus.WAITING, now
                row.next_check_at = now + FIRST_CHECK
                outcome.started.append(ext)
            await row.save()
    return outcome


async def start_groups(
    corp: Corp,
    client: WeComClient,
    *,
    chat_ids: list[str],
    takeover: str,
    resigned: bool,
    operator: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Groups change owner at once (no takeover period); their planned SOP runs follow."""
    now = now or datetime.now(UTC)
    if not (await _member(corp, takeover)).active:
        raise TransferRefused(f"接替成员 {takeover} 已停用")
    ids = list(dict.fromkeys(chat_ids))
    owners = dict(
        await GroupChat.filter(corp_id=corp.id, chat_id__in=ids).values_list(
            "chat_id", "owner_userid"
        )
    )
    outcome = Outcome(secrets.token_hex(8))
    known = [c for c in ids if c in owners]
    outcome.blocked += [{"chat_id": c, "reason": "客户群不存在"} for c in ids if c not in owners]
    call = client.transfer_resigned_groups if resigned else client.transfer_groups
    for i in range(0, len(known), BATCH):
        chunk = known[i : i + BATCH]
        try:
            failed = {
                f.chat_id: f.errcode
                for f in (
                    await call(GroupTransfer(chat_id_list=chunk, new_owner=takeover))
                ).failed_chat_list
            }
        except errors.WeComError as exc:
            failed = dict.fromkeys(chunk, exc.errcode)
        for chat_id in chunk:
            code = failed.get(chat_id, 0)
            row = await Handover.create(
                corp_id=corp.id, kind="resigned" if resigned else "onjob", batch=outcome.batch,
                handover_userid=owners[chat_id], takeover_userid=takeover, chat_id=chat_id,
                operator=operator, started_at=now, finished_at=now,
                status="failed" if code else "done", errcode=code,
                reason=reason_for(code) if code else "",
            )  # fmt: skip
            if code:
                outcome.blocked.append({"chat_id": chat_id, "reason": row.reason})
            else:
                await transfer_moves.move_group(corp, row, now)
                outcome.started.append(chat_id)
    return outcome
