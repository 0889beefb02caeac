"""The funnel on PostgreSQL: whole local days from the funnel_day roll-up, edge hours from lead."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

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

# The roll-up's rows for the whole days, plus the leads of the partial days before and after
# them counted as the direct query does (reports.py), summed per group. Rows a write emptied
# stay at zero (decision 0031): a group without leads is no row, as in the direct query.
_FUNNEL_SQL = """
SELECT grp, SUM(leads) AS leads, SUM(mql) AS mql, SUM(sql_) AS sql_,
    SUM(opportunities) AS opportunities, SUM(won) AS won
FROM (
    SELECT f.{by} AS grp, f.leads, f.mql, f.sql_, f.opportunities, f.won
    FROM funnel_day f
    WHERE f.corp_id = $1 AND f.grain = {grain} AND f.day >= $2 AND f.day < $3{f_filter}
    UNION ALL
    SELECT l.{by}, 1,
        (x.has OR l.status IN ('mql', 'sql') OR l.score >= $8)::int,
        (x.has OR l.status = 'sql')::int, x.has::int, x.won::int
    FROM lead l
    CROSS JOIN LATERAL (
        SELECT COUNT(*) > 0 AS has, COALESCE(BOOL_OR(st.is_won), false) AS won
        FROM opportunity op JOIN stage st ON st.id = op.stage_id
        WHERE op.corp_id = $1 AND op.lead_id = l.id
    ) x
    WHERE l.corp_id = $1 AND l.merged_into_id IS NULL
      AND ((l.created_at >= $4 AND l.created_at < $5)
           OR (l.created_at >= $6 AND l.created_at < $7)){l_filter}
) t
GROUP BY grp HAVING SUM(leads) > 0 ORDER BY grp
"""


def _filter(alias: str, owners: list[str] | None, pool: bool, channel: str) -> str:
    """The same filters as the direct query, on the roll-up (f) or lead (l): the owners are
    parameter $9, the channel the next one."""
    clause = ""
    if owners is not None:
        clause = f" AND {alias}.owner_userid = ANY($9::text[])"
        if pool:  # as the lead list shows a manager: the team's and 公海
            clause = f" AND ({alias}.owner_userid = ANY($9::text[]) OR {alias}.in_pool)"
    if channel:
        clause += f" AND {alias}.channel = ${10 if owners is not None else 9}"
    return clause


def grain(by: str, owners: list[str] | None) -> int:
    """The smallest roll-up grain that holds the grouping and the filters (migration 0029):
    1 has channel, owner, platform and pool; 2 campaign and channel; 0 everything."""
    if by != "campaign":
        return 1
    return 2 if owners is None else 0


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
    found = await conn.execute_query_dict(_BOUNDS_SQL, [corp_id, since, until])
    if not found:
        return None
    b = found[0]
    edge_before = min(b["m0"], until)
    sql = _FUNNEL_SQL.format(
        by=by,
        grain=grain(by, owners),
        f_filter=_filter("f", owners, pool, channel),
        l_filter=_filter("l", owners, pool, channel),
    )
    params: list[Any] = [corp_id, b["d0"], b["d1"], since, edge_before, b["m1"], until, threshold]
    if owners is not None:  # an empty team matches '' as the direct query does
        params.append(list(owners or [""]))
    if channel:
        params.append(channel)
    return await conn.execute_query_dict(sql, params)
