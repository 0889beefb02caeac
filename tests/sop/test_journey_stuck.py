"""A scanner killed after its sends were made and logged, before the walk wrote where its
customers went: the next scanner moves them on instead of sending again."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.jobs import sop as sop_jobs
from scrm.infra import keys
from scrm.models import JourneyLog, JourneyRun
from scrm.sop import journey_batch, journey_lanes, journey_scanner, journeys
from tests.sop.conftest import Linked
from tests.sop.test_journey_lanes import OWNERS, _enrol, _journey, _tasks
from tests.sop.test_journeys import clients


async def test_a_kill_after_the_sends_sends_nothing_twice(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _journey(linked)
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    made = await _enrol(linked, 2, due)

    async def killed(batch: journey_batch.Batch) -> None:
        await journey_batch._flush_logs(batch)  # the sends are logged…
        raise RuntimeError("SIGKILL")  # …and the process dies before the moves are written

    monkeypatch.setattr(journey_batch, "_apply_moves", killed)
    with pytest.raises(RuntimeError):
        await journey_scanner.run_live(clients(linked), budget_s=0.2)
    monkeypatch.undo()
    assert await JourneyRun.filter(status="running").count() == 6
    assert len(await _tasks(linked)) == 3
    await JourneyRun.all().update(
        updated_at=datetime.now(UTC) - journeys.STUCK - timedelta(seconds=1)
    )
    ctx = {"redis": linked.bot.app[keys.ARQ], "clients": linked.bot.app[keys.CLIENTS]}
    ctx["journey_node"] = journey_lanes.Node()
    assert await sop_jobs.journey_scan(ctx) == {}  # nothing left to send
    assert set(await JourneyRun.all().values_list("status", flat=True)) == {"done"}
    sent = Counter(
        await JourneyLog.filter(action="sent").values_list("external_userid", flat=True)
    )
    assert sent == Counter(made)
    assert Counter(o for t in await _tasks(linked) for o in t["targets"]) == Counter(OWNERS)


async def test_a_kill_before_the_sends_sends_them_once_later(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _journey(linked)
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    made = await _enrol(linked, 2, due)
    claimed = await journeys.claim_rows(datetime.now(UTC))  # claimed, then killed
    assert len(claimed) == 6
    await JourneyRun.all().update(
        updated_at=datetime.now(UTC) - journeys.STUCK - timedelta(seconds=1)
    )
    assert await journeys.release_stuck(datetime.now(UTC)) == 6
    assert await journey_scanner.run_live(clients(linked), budget_s=0.2) == {"sent": 6}
    sent = Counter(
        await JourneyLog.filter(action="sent").values_list("external_userid", flat=True)
    )
    assert sent == Counter(made)
