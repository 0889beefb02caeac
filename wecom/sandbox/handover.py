"""Customer hand-overs as WeCom runs them: a 24-hour takeover on a clock tests can advance,
2 transfers per customer per 90 days, refusals, the takeover member's customer limit."""

from __future__ import annotations

from typing import Any

from wecom.sandbox.state import CorpState, Relation, World, now

TAKEOVER_SECONDS = 24 * 3600
WINDOW_SECONDS = 90 * 24 * 3600
PER_WINDOW = 2
LIMIT_ERRCODE = 40129  # the sandbox's answer for the 2-per-90-days rule
DONE, WAITING, REFUSED, FULL, NO_RECORD = 1, 2, 3, 4, 5
# Each counts against the customer's 2 per 90 days: the hand-over started.
STARTED = (DONE, WAITING, REFUSED, FULL)


def clock(world: World) -> float:
    """The hand-over clock: real time plus what the tests advanced it by."""
    return now() + world.config.clock_skew


def recent(corp: CorpState, external_userid: str, at: float) -> int:
    """How many hand-overs of this customer started within the last 90 days."""
    return sum(
        1
        for t in corp.transfers
        if t["external_userid"] == external_userid
        and t["status"] in STARTED
        and at - t["at"] < WINDOW_SECONDS
    )


def start(
    world: World, corp: CorpState, handover: str, takeover: str, ext: str, resigned: bool
) -> int:
    """The errcode for one customer of a transfer_customer call; 0 starts the hand-over."""
    at = clock(world)
    if corp.relation(handover, ext) is None:
        return 84061
    if recent(corp, ext, at) >= PER_WINDOW:
        return LIMIT_ERRCODE
    corp.transfers.append(
        {
            "handover": handover,
            "takeover": takeover,
            "external_userid": ext,
            "status": WAITING,
            "at": at,
            "takeover_time": 0,
            "resigned": resigned,
        }
    )
    return 0


def waiting(corp: CorpState, ext: str, takeover: str = "") -> dict[str, Any] | None:
    for t in corp.transfers:
        mine = not takeover or t["takeover"] == takeover
        if t["status"] == WAITING and t["external_userid"] == ext and mine:
            return t
    return None


def refuse(corp: CorpState, entry: dict[str, Any]) -> dict[str, Any]:
    """The customer tapped 「暂不添加」: nothing moves; WeCom tells the takeover member's app."""
    entry["status"] = REFUSED
    return _fail(entry, "customer_refused")


def _fail(entry: dict[str, Any], reason: str) -> dict[str, Any]:
    return {
        "Event": "change_external_contact",
        "ChangeType": "transfer_fail",
        "FailReason": reason,
        "UserID": entry["takeover"],
        "ExternalUserID": entry["external_userid"],
    }


def _active_customers(corp: CorpState, userid: str) -> int:
    return sum(1 for (u, _), r in corp.relations.items() if u == userid and r.active)


def settle(world: World, corp: CorpState) -> list[dict[str, Any]]:
    """Finish every hand-over whose 24 hours have passed; the callbacks WeCom would send."""
    at, events = clock(world), []
    for entry in corp.transfers:
        if entry["status"] != WAITING or at - entry["at"] < TAKEOVER_SECONDS:
            continue
        takeover, ext = entry["takeover"], entry["external_userid"]
        limit = corp.staff[takeover].customer_limit if takeover in corp.staff else 0
        if limit and _active_customers(corp, takeover) >= limit:
            entry["status"] = FULL
            events.append(_fail(entry, "customer_limit_exceed"))
            continue
        entry["status"], entry["takeover_time"] = DONE, int(at)
        old = corp.relations.get((entry["handover"], ext))
        already = corp.relation(takeover, ext) is not None
        if old is not None:
            old.active = False
        if not already:
            corp.relations[(takeover, ext)] = Relation(
                takeover,
                ext,
                int(at),
                state=old.state if old else "",
                remark=old.remark if old else "",
                description=old.description if old else "",
                tags=set(old.tags) if old else set(),
            )
        if not entry["resigned"]:  # the handover member's relation ends by the transfer
            events.append(
                {
                    "Event": "change_external_contact",
                    "ChangeType": "del_external_contact",
                    "Source": "DELETE_BY_TRANSFER",
                    "UserID": entry["handover"],
                    "ExternalUserID": ext,
                }
            )
        if not already:  # no add event when the takeover member was already a friend
            events.append(
                {
                    "Event": "change_external_contact",
                    "ChangeType": "add_external_contact",
                    "UserID": takeover,
                    "ExternalUserID": ext,
                }
            )
    return events


def unassigned(corp: CorpState) -> list[dict[str, Any]]:
    """Customers of resigned members not yet handed (or being handed) to anyone."""
    moving = {
        (t["handover"], t["external_userid"])
        for t in corp.transfers
        if t["status"] in (DONE, WAITING)
    }
    rows = []
    for (userid, ext), rel in sorted(corp.relations.items()):
        staff = corp.staff.get(userid)
        if staff is None or not staff.resigned or not rel.active or (userid, ext) in moving:
            continue
        left = staff.dimission_time
        rows.append({"handover_userid": userid, "external_userid": ext, "dimission_time": left})
    return rows
