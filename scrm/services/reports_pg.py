"""Reports' PostgreSQL paths: the funnel from its roll-ups (funnel_day, funnel_hour, the edge
minutes from lead), the sales cycle's spans in one join, activity counted per week in SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from scrm.infra import clock
from scrm.services.reports_common import NOBODY, Scope

# The window's whole days in the corp's zone (as the roll-up's triggers count them):
# [d0, d1) starting at m0 and m1; d1 = d0 when the window holds no whole day.
_BOUNDS_SQL = """
WITH s AS (
    SELECT z, ($2::timestamptz AT TIME ZONE z)::date AS ds,
        ($3::timestamptz AT TIME ZONE z)::date AS du
    FROM (SELECT funnel_zone(timezone) AS z FROM corp WHERE id = $1) c
), d AS (
    SELECT z, CASE WHEN (ds::timestamp AT TIME ZONE z) >= $2 THEN ds ELSE ds + 1 END AS d0, du
    FROM s
)
SELECT d0, GREATEST(d0, du) AS d1, (d0::timestamp AT TIME ZONE z) AS m0,
    (GREATEST(d0, du)::timestamp AT TIME ZONE z) AS m1
FROM d
"""

# The roll-up's rows for the whole days ($2 ≤ day < $3), the whole UTC hours of the partial
# edge days ($4–$7: two ranges), and the leads of the minutes left over ($8–$15: four ranges)
# counted as the direct query does (reports.py), summed per group. Rows a write emptied stay
# at zero (decision 0031): a group without leads is no row, as in the direct query.
_FUNNEL_SQL = """
SELECT grp, SUM(leads) AS leads, SUM(mql) AS mql, SUM(sql_) AS sql_,
    SUM(opportunities) AS opportunities, SUM(won) AS won
FROM (
    SELECT f.{by} AS grp, f.leads, f.mql, f.sql_, f.opportunities, f.won
    FROM funnel_day f
    WHERE f.corp_id = $1 AND f.grain = {grain} AND f.day >= $2 AND f.day < $3{f_filter}
    UNION ALL
    SELECT f.{by}, f.leads, f.mql, f.sql_, f.opportunities, f.won
    FROM funnel_hour f
    WHERE f.corp_id = $1 AND f.grain = {grain}
      AND ((f.hour >= $4 AND f.hour < $5) OR (f.hour >= $6 AND f.hour < $7)){f_filter}
    UNION ALL
    SELECT l.{by}, 1,
        (x.has OR l.status IN ('mql', 'sql') OR l.score >= $16)::int,
        (x.has OR l.status = 'sql')::int, x.has::int, x.won::int
    FROM lead l
    CROSS JOIN LATERAL (
        SELECT COUNT(*) > 0 AS has, COALESCE(BOOL_OR(st.is_won), false) AS won
        FROM opportunity op JOIN stage st ON st.id = op.stage_id
        WHERE op.corp_id = $1 AND op.lead_id = l.id
    ) x
    WHERE l.corp_id = $1 AND l.merged_into_id IS NULL
      AND ((l.created_at >= $8 AND l.created_at < $9)
           OR (l.created_at >= $10 AND l.created_at < $11)
           OR (l.created_at >= $12 AND l.created_at < $13)
           OR (l.created_at >= $14 AND l.created_at < $15)){l_filter}
) t
GROUP BY grp HAVING SUM(leads) > 0 ORDER BY grp
"""
HOUR = timedelta(hours=1)


def _hours(start: datetime, end: datetime, hourly: bool) -> tuple[datetime, datetime]:
    """The whole UTC hours inside [start, end) (an empty range when there are none)."""
    if not hourly or start >= end:
        return start, start
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += HOUR
    last = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return (first, last) if first < last else (start, start)


def _filter(alias: str, owners: list[str] | None, pool: bool, channel: str) -> str:
    """The same filters as the direct query, on the roll-up (f) or lead (l): the owners are
    parameter $17, the channel the next one."""
    clause = ""
    if owners is not None:
        clause = f" AND {alias}.owner_userid = ANY($17::text[])"
        if pool:  # as the lead list shows a manager: the team's and 公海
            clause = f" AND ({alias}.owner_userid = ANY($17::text[]) OR {alias}.in_pool)"
    if channel:
        clause += f" AND {alias}.channel = ${18 if owners is not None else 17}"
    return clause


def grain(by: str, owners: list[str] | None) -> int:
    """The smallest roll-up grain that holds the grouping and the filters (migration 0029):
    1 has channel, owner, platform and pool; 2 campaign and channel; 0 everything."""
    if by != "campaign":
        return 1
    return 2 if owners is None else 0


async def funnel_query(
    conn: BaseDBAsyncClient,
    corp_id: int,
    by: str,
    since: datetime,
    until: datetime,
    threshold: int,
    *,
    owners: list[str] | None,
    pool: bool,
    channel: str,
) -> tuple[str, list[Any]] | None:
    """The funnel's SQL and parameters for this window (None when the corp is unknown): the
    window's bounds in the corp's zone come from PostgreSQL, as the triggers count them."""
    found = await conn.execute_query_dict(_BOUNDS_SQL, [corp_id, since, until])
    if not found:
        return None
    b = found[0]
    g = grain(by, owners)
    # The edge days: before the whole days and after them (empty when until comes first).
    edges = [(since, min(b["m0"], until)), (b["m1"], max(b["m1"], until))]
    hours = [_hours(start, end, g != 0) for start, end in edges]  # grain 0 has no hours
    minutes = []
    for (start, end), (first, last) in zip(edges, hours, strict=True):
        minutes += [start, first, last, end] if first < last else [start, end, end, end]
    sql = _FUNNEL_SQL.format(
        by=by,
        grain=g,
        f_filter=_filter("f", owners, pool, channel),
        l_filter=_filter("l", owners, pool, channel),
    )
    params: list[Any] = [corp_id, b["d0"], b["d1"], *hours[0], *hours[1], *minutes, threshold]
    if owners is not None:  # an empty team matches '' as the direct query does
        params.append(list(owners or [""]))
    if channel:
        params.append(channel)
    return sql, params


async def funnel_rows(
    conn: BaseDBAsyncClient,
    corp_id: int,
    by: str,
    since: datetime,
    until: datetime,
    threshold: int,
    *,
    owners: list[str] | None,
    pool: bool,
    channel: str,
) -> list[dict[str, Any]] | None:
    """Rows of (grp, leads, mql, sql_, opportunities, won) per group, as the direct query gives
    them; None when the corp is unknown. `by` must already be whitelisted."""
    found = await funnel_query(
        conn, corp_id, by, since, until, threshold, owners=owners, pool=pool, channel=channel
    )
    return None if found is None else await conn.execute_query_dict(*found)


# Won deals closed in the window with the seconds from their creation, and from their lead's
# creation (NULL without a lead), to the close; filters as reports_sales.won_deals.
_SPANS_SQL = """
SELECT EXTRACT(EPOCH FROM o.closed_at - o.created_at) AS opportunity_s,
    EXTRACT(EPOCH FROM o.closed_at - l.created_at) AS lead_s
FROM opportunity o
JOIN stage st ON st.id = o.stage_id
LEFT JOIN lead l ON l.id = o.lead_id
WHERE o.corp_id = $1 AND st.is_won AND o.closed_at >= $2 AND o.closed_at < $3{filters}
"""


async def won_spans(scope: Scope) -> dict[str, list[float]]:
    """The sales cycle's spans in days (rounded as reports_common.days rounds them)."""
    params: list[Any] = [scope.corp_id, scope.since, scope.until]
    filters = ""
    people = scope.people()
    if people is not None:
        params.append(people or [NOBODY])
        filters += f" AND o.owner_userid = ANY(${len(params)}::text[])"
    if scope.channel:  # a deal without a lead has no channel
        params.append(scope.channel)
        filters += f" AND l.channel = ${len(params)}"
    rows = await connections.get("default").execute_query_dict(
        _SPANS_SQL.format(filters=filters), params
    )
    return {
        "lead_to_won": [
            round(float(r["lead_s"]) / 86400, 2) for r in rows if r["lead_s"] is not None
        ],
        "opportunity_to_won": [round(float(r["opportunity_s"]) / 86400, 2) for r in rows],
    }


# Rows per person and ISO week in the corp's zone, as reports_activity.week_of names weeks.
_WEEKS_SQL = """
SELECT {who} AS who, to_char({at} AT TIME ZONE $4, 'IYYY-"W"IW') AS week, COUNT(*) AS n
FROM {table}
WHERE corp_id = $1 AND {at} >= $2 AND {at} < $3{filters}
GROUP BY 1, 2
"""
WEEKLY = {"follow_up": ("userid", "at"), "task": ("assignee", "done_at")}


async def week_counts(table: str, scope: Scope) -> list[tuple[str, str, int]]:
    """(person, week, rows) of follow_up (by userid, at) or task (by assignee, done_at) in
    the window and the scope's people."""
    who, at = WEEKLY[table]
    params: list[Any] = [scope.corp_id, scope.since, scope.until, scope.tz or clock.DEFAULT_ZONE]
    filters = ""
    people = scope.people()
    if people is not None:
        params.append(people or [NOBODY])
        filters = f" AND {who} = ANY($5::text[])"
    sql = _WEEKS_SQL.format(who=who, at=at, table=table, filters=filters)
    rows = await connections.get("default").execute_query_dict(sql, params)
    return [(r["who"], r["week"], int(r["n"])) for r in rows]
