"""The funnel roll-up on PostgreSQL: funnel_day, kept exact by statement triggers (decision 0031)."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

# The funnel counts of the leads created on a local day (the corp's time zone), not merged
# away, at three grains: 0 every dimension; 1 all but campaign (grouping by channel, owner or
# platform, any filter); 2 campaign and channel only (grouping by campaign for the whole
# corp). A dimension a grain leaves out is '' (in_pool false). Rows a write emptied stay at
# zero until a rebuild; readers skip groups without leads. No foreign key to corp: a corp's
# deletion cascades into lead, whose trigger then brings its rows to zero.
TABLE = """
CREATE TABLE IF NOT EXISTS funnel_day (
    corp_id BIGINT NOT NULL,
    grain SMALLINT NOT NULL,
    day DATE NOT NULL,
    channel VARCHAR(64) NOT NULL,
    campaign VARCHAR(64) NOT NULL,
    owner_userid VARCHAR(64) NOT NULL,
    platform VARCHAR(16) NOT NULL,
    in_pool BOOLEAN NOT NULL,
    leads INT NOT NULL,
    mql INT NOT NULL,
    sql_ INT NOT NULL,
    opportunities INT NOT NULL,
    won INT NOT NULL,
    PRIMARY KEY (corp_id, grain, day, channel, campaign, owner_userid, platform, in_pool)
);
-- The same counts per UTC hour at grains 1 and 2: a window's partial edge days read their
-- whole hours here and only the minutes at either end from lead.
CREATE TABLE IF NOT EXISTS funnel_hour (
    corp_id BIGINT NOT NULL,
    grain SMALLINT NOT NULL,
    hour TIMESTAMPTZ NOT NULL,
    channel VARCHAR(64) NOT NULL,
    campaign VARCHAR(64) NOT NULL,
    owner_userid VARCHAR(64) NOT NULL,
    platform VARCHAR(16) NOT NULL,
    in_pool BOOLEAN NOT NULL,
    leads INT NOT NULL,
    mql INT NOT NULL,
    sql_ INT NOT NULL,
    opportunities INT NOT NULL,
    won INT NOT NULL,
    PRIMARY KEY (corp_id, grain, hour, channel, campaign, owner_userid, platform, in_pool)
);
COMMENT ON TABLE funnel_hour IS 'funnel_day per UTC hour at grains 1 and 2 (decision 0031)';
COMMENT ON TABLE funnel_day IS 'Funnel counts per corp, local day and lead dimensions, kept by '
    'triggers on lead, opportunity, stage, corp and lead_settings (decision 0031)';
-- The funnel's partial edge days read lead by creation time.
CREATE INDEX IF NOT EXISTS lead_corp_created ON lead (corp_id, created_at);
"""

# A corp's zone as the reports use it: '' or a name PostgreSQL does not know is Asia/Shanghai
# (never an error: the triggers run inside lead intake).
ZONE = """
CREATE OR REPLACE FUNCTION funnel_zone(tz TEXT) RETURNS TEXT LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(tz, '') = '' THEN
        RETURN 'Asia/Shanghai';
    END IF;
    PERFORM now() AT TIME ZONE tz;
    RETURN tz;
EXCEPTION WHEN OTHERS THEN
    RETURN 'Asia/Shanghai';
END $$;
"""

# A lead's opportunity flags now (the direct query's join in reports.py): a probe per lead.
FLAGS_NOW = """
CROSS JOIN LATERAL (
    SELECT COUNT(*) > 0 AS has, COALESCE(BOOL_OR(st.is_won), false) AS won
    FROM opportunity op JOIN stage st ON st.id = op.stage_id
    WHERE op.corp_id = r.corp_id AND op.lead_id = r.id
) x"""

# ... and from a CTE of flags per lead (an opportunity statement's `before` and `after`),
# joined by hash: a statement can carry 100 000 opportunities (COPY, imports), and a probe
# per lead into such a set went quadratic.
FLAGS_FROM = """
LEFT JOIN {cte} b ON b.lead_id = r.id AND b.corp_id = r.corp_id
CROSS JOIN LATERAL (SELECT b.lead_id IS NOT NULL AS has, COALESCE(b.won, false) AS won) x"""

# What each lead row of relation {rows} contributes, signed: the same counts as the direct
# query (an opportunity implies MQL and SQL; MQL also by status or score ≥ the threshold).
CONTRIBUTION = """
SELECT {sign} AS sign, r.corp_id, (r.created_at AT TIME ZONE z.zone)::date AS day,
    date_trunc('hour', r.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, r.channel,
    r.campaign, r.owner_userid, r.platform, r.in_pool,
    (x.has OR r.status IN ('mql', 'sql') OR r.score >= COALESCE(s.mql_threshold, 40))::int
        AS mql,
    (x.has OR r.status = 'sql')::int AS sql_, x.has::int AS opportunities, x.won::int AS won
FROM {rows} r
JOIN (SELECT id, funnel_zone(timezone) AS zone FROM corp) z ON z.id = r.corp_id
LEFT JOIN lead_settings s ON s.corp_id = r.corp_id
{flags}
WHERE r.merged_into_id IS NULL
"""


def contribution(sign: int, rows: str, flags: str = FLAGS_NOW) -> str:
    return CONTRIBUTION.format(sign=sign, rows=rows, flags=flags)


KEY = "corp_id, grain, day, channel, campaign, owner_userid, platform, in_pool"
HOUR_KEY = "corp_id, grain, hour, channel, campaign, owner_userid, platform, in_pool"
SUMS = """SUM(sign), SUM(sign * mql), SUM(sign * sql_), SUM(sign * opportunities),
    SUM(sign * won)"""
NONZERO = """HAVING SUM(sign) <> 0 OR SUM(sign * mql) <> 0 OR SUM(sign * sql_) <> 0
    OR SUM(sign * opportunities) <> 0 OR SUM(sign * won) <> 0"""
ADD = """leads = f.leads + EXCLUDED.leads, mql = f.mql + EXCLUDED.mql,
    sql_ = f.sql_ + EXCLUDED.sql_, opportunities = f.opportunities + EXCLUDED.opportunities,
    won = f.won + EXCLUDED.won"""


def upsert(*parts: str, ctes: str = "") -> str:
    """Add the signed contributions at every grain, by day and by hour; sorted by key so that
    two concurrent statements lock the roll-up rows they share in the same order."""
    return f"""
WITH {ctes}d AS ({" UNION ALL ".join(parts)}),
g AS (
    SELECT corp_id, 0 AS grain, day, channel, campaign, owner_userid, platform, in_pool,
        {SUMS} FROM d
    GROUP BY corp_id, day, channel, campaign, owner_userid, platform, in_pool {NONZERO}
    UNION ALL
    SELECT corp_id, 1, day, channel, '', owner_userid, platform, in_pool, {SUMS} FROM d
    GROUP BY corp_id, day, channel, owner_userid, platform, in_pool {NONZERO}
    UNION ALL
    SELECT corp_id, 2, day, channel, campaign, '', '', false, {SUMS} FROM d
    GROUP BY corp_id, day, channel, campaign {NONZERO}
),
h AS (
    SELECT corp_id, 1 AS grain, hour, channel, '' AS campaign, owner_userid, platform, in_pool,
        {SUMS} FROM d
    GROUP BY corp_id, hour, channel, owner_userid, platform, in_pool {NONZERO}
    UNION ALL
    SELECT corp_id, 2, hour, channel, campaign, '', '', false, {SUMS} FROM d
    GROUP BY corp_id, hour, channel, campaign {NONZERO}
),
days AS (
    INSERT INTO funnel_day AS f ({KEY}, leads, mql, sql_, opportunities, won)
    SELECT * FROM g ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET {ADD}
)
INSERT INTO funnel_hour AS f ({HOUR_KEY}, leads, mql, sql_, opportunities, won)
SELECT * FROM h ORDER BY {HOUR_KEY}
ON CONFLICT ({HOUR_KEY}) DO UPDATE SET {ADD}"""


# Writers share the corp's advisory lock; a rebuild takes it alone (funnel_day_rebuild).
SHARE = "PERFORM pg_advisory_xact_lock_shared(7531, c::int) FROM ({corps} ORDER BY 1) s"

# Lead writes: the statement's new rows count in, its old rows count out.
LEAD_TRIGGER = f"""
CREATE OR REPLACE FUNCTION funnel_day_lead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {SHARE.format(corps="SELECT DISTINCT corp_id AS c FROM new_rows")};
        {upsert(contribution(1, "new_rows"))};
    ELSIF TG_OP = 'DELETE' THEN
        {SHARE.format(corps="SELECT DISTINCT corp_id AS c FROM old_rows")};
        {upsert(contribution(-1, "old_rows"))};
    ELSE
        -- Most lead updates (touches, follow-up times, decayed scores) move nothing the
        -- funnel counts: leave before any work.
        IF NOT EXISTS (
            SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.corp_id, o.created_at, o.channel, o.campaign, o.owner_userid, o.platform,
                   o.in_pool, o.status, o.score, o.merged_into_id)
                  IS DISTINCT FROM
                  (n.corp_id, n.created_at, n.channel, n.campaign, n.owner_userid, n.platform,
                   n.in_pool, n.status, n.score, n.merged_into_id)
        ) THEN
            RETURN NULL;
        END IF;
        {SHARE.format(corps="SELECT corp_id AS c FROM new_rows UNION SELECT corp_id FROM old_rows")};
        {upsert(contribution(1, "new_rows"), contribution(-1, "old_rows"))};
    END IF;
    RETURN NULL;
END $$;
"""

EMPTY = "(SELECT * FROM opportunity WHERE false)"


def opportunity_function(event: str) -> str:
    """The opportunity trigger for one event. A touched lead's opportunities before the
    statement were the current ones less those it wrote plus those it replaced (counted
    with signs, no anti-join): the lead counts out with those flags and in with the current
    ones. Leads no longer present (deleted in this transaction) are skipped: their delete
    took out what they counted."""
    new = "new_rows" if event in ("insert", "update") else EMPTY
    old = "old_rows" if event in ("update", "delete") else EMPTY
    touched = " UNION ".join(
        f"SELECT lead_id FROM {t} WHERE lead_id IS NOT NULL" for t in (new, old) if t != EMPTY
    )
    changed = ""
    if event == "update":  # amounts, next steps, activity times: nothing the funnel counts
        changed = """
    IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE (o.lead_id, o.stage_id, o.corp_id)
                         IS DISTINCT FROM (n.lead_id, n.stage_id, n.corp_id)) THEN
        RETURN NULL;
    END IF;"""
    # An opportunity's corp is its lead's (the direct query joins on it): no read of lead.
    corps = " UNION ".join(f"SELECT corp_id FROM {t}" for t in (new, old) if t != EMPTY)
    leads = "(SELECT * FROM lead WHERE id IN (SELECT lead_id FROM touched))"
    ctes = f"""
    touched AS ({touched}),
    before AS (
        SELECT lead_id, corp_id, SUM(sign * won::int) > 0 AS won
        FROM (SELECT op.lead_id, op.corp_id, 1 AS sign, st.is_won AS won
              FROM opportunity op JOIN stage st ON st.id = op.stage_id
              WHERE op.lead_id IN (SELECT lead_id FROM touched)
              UNION ALL
              SELECT n.lead_id, n.corp_id, -1, st.is_won
              FROM {new} n JOIN stage st ON st.id = n.stage_id WHERE n.lead_id IS NOT NULL
              UNION ALL
              SELECT o.lead_id, o.corp_id, 1, st.is_won
              FROM {old} o JOIN stage st ON st.id = o.stage_id WHERE o.lead_id IS NOT NULL) ops
        GROUP BY lead_id, corp_id
        HAVING SUM(sign) > 0
    ),
    after AS (
        SELECT op.lead_id, op.corp_id, BOOL_OR(st.is_won) AS won
        FROM opportunity op JOIN stage st ON st.id = op.stage_id
        WHERE op.lead_id IN (SELECT lead_id FROM touched)
        GROUP BY op.lead_id, op.corp_id
    ),"""
    before, after = FLAGS_FROM.format(cte="before"), FLAGS_FROM.format(cte="after")
    return f"""
CREATE OR REPLACE FUNCTION funnel_day_opportunity_{event}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN{changed}
    {SHARE.format(corps=f"SELECT DISTINCT corp_id AS c FROM ({corps}) t")};
    {upsert(contribution(1, leads, after), contribution(-1, leads, before), ctes=ctes)};
    RETURN NULL;
END $$;
"""


# Recount one corp from lead: after its zone, its MQL threshold or a stage's won flag changed,
# and to fill the table the first time. Waits for the corp's writers (advisory lock).
REBUILD = f"""
CREATE OR REPLACE FUNCTION funnel_day_rebuild(target BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7531, target::int);
    DELETE FROM funnel_day WHERE corp_id = target;
    DELETE FROM funnel_hour WHERE corp_id = target;
    {upsert(contribution(1, "(SELECT * FROM lead WHERE corp_id = target)"))};
END $$;
"""


def rebuild_trigger(table: str, column: str, corp: str) -> str:
    """A row trigger that recounts the corp when `column` of `table` changes."""
    return f"""
CREATE OR REPLACE FUNCTION funnel_day_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM funnel_day_rebuild(OLD.{corp});
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM funnel_day_rebuild(NEW.{corp});
    ELSIF NEW.{column} IS DISTINCT FROM OLD.{column} THEN
        PERFORM funnel_day_rebuild(NEW.{corp});
    END IF;
    RETURN NULL;
END $$;
"""


TRIGGERS = """
CREATE TRIGGER funnel_day_lead_insert AFTER INSERT ON lead
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_day_lead();
CREATE TRIGGER funnel_day_lead_update AFTER UPDATE ON lead
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_day_lead();
CREATE TRIGGER funnel_day_lead_delete AFTER DELETE ON lead
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_day_lead();
CREATE TRIGGER funnel_day_opportunity_insert AFTER INSERT ON opportunity
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_day_opportunity_insert();
CREATE TRIGGER funnel_day_opportunity_update AFTER UPDATE ON opportunity
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_day_opportunity_update();
CREATE TRIGGER funnel_day_opportunity_delete AFTER DELETE ON opportunity
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_day_opportunity_delete();
CREATE TRIGGER funnel_day_corp AFTER UPDATE OF timezone ON corp
    FOR EACH ROW EXECUTE FUNCTION funnel_day_corp();
CREATE TRIGGER funnel_day_lead_settings AFTER INSERT OR UPDATE OF mql_threshold OR DELETE
    ON lead_settings FOR EACH ROW EXECUTE FUNCTION funnel_day_lead_settings();
CREATE TRIGGER funnel_day_stage AFTER UPDATE OF is_won ON stage
    FOR EACH ROW EXECUTE FUNCTION funnel_day_stage();
"""

BACKFILL = "SELECT funnel_day_rebuild(id) FROM corp ORDER BY id"

DROP = """
DROP TRIGGER IF EXISTS funnel_day_lead_insert ON lead;
DROP TRIGGER IF EXISTS funnel_day_lead_update ON lead;
DROP TRIGGER IF EXISTS funnel_day_lead_delete ON lead;
DROP TRIGGER IF EXISTS funnel_day_opportunity_insert ON opportunity;
DROP TRIGGER IF EXISTS funnel_day_opportunity_update ON opportunity;
DROP TRIGGER IF EXISTS funnel_day_opportunity_delete ON opportunity;
DROP TRIGGER IF EXISTS funnel_day_corp ON corp;
DROP TRIGGER IF EXISTS funnel_day_lead_settings ON lead_settings;
DROP TRIGGER IF EXISTS funnel_day_stage ON stage;
DROP TABLE IF EXISTS funnel_day;
DROP TABLE IF EXISTS funnel_hour;
DROP INDEX IF EXISTS lead_corp_created;
"""


def statements() -> list[str]:
    """The roll-up's whole PostgreSQL schema, in order, then the backfill."""
    return [
        TABLE,
        ZONE,
        LEAD_TRIGGER,
        opportunity_function("insert"),
        opportunity_function("update"),
        opportunity_function("delete"),
        REBUILD,
        rebuild_trigger("lead_settings", "mql_threshold", "corp_id"),
        rebuild_trigger("corp", "timezone", "id"),
        rebuild_trigger("stage", "is_won", "corp_id"),
        TRIGGERS,
        BACKFILL,
    ]


async def forward(apps: Any, editor: Any) -> None:
    if editor.client.capabilities.dialect != "postgres":
        return  # SQLite counts the funnel directly (reports.py)
    for sql in statements():
        await editor.client.execute_script(sql)


async def backward(apps: Any, editor: Any) -> None:
    if editor.client.capabilities.dialect == "postgres":
        await editor.client.execute_script(DROP)


class Migration(migrations.Migration):
    dependencies = [("models", "0028_leadfast")]

    initial = False

    operations = [ops.RunPython(forward, backward)]
