"""Every foreign key gets an index of its own; SQLite gets back the relation indexes 0018 lost.

PostgreSQL indexes no foreign key by itself: a lead's timeline, an opportunity's quotes or a
群发's tasks were read with a full table scan (tests/scrm/test_schema_indexes.py). The indexes
are built CONCURRENTLY there, so a deployment's lead intake and callbacks keep writing while
`migrate` runs beside the old version (docs/deploy.md); the migration is therefore not atomic.

On SQLite, 0018's AlterField of `follow_relation.status` rebuilt the table without its unique
(corp, staff, customer) index and its customer index: duplicates could slip in under a race,
and relations were scanned. They are kept once (the most recently updated row) and the
indexes put back; PostgreSQL kept both, so this changes nothing there."""

from typing import Any

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


async def dedupe_relations(apps: Any, editor: Any) -> None:
    client = editor.client
    if client.capabilities.dialect != "sqlite":
        return  # the unique index was never lost there
    await client.execute_script(
        'DELETE FROM "follow_relation" WHERE "id" NOT IN ('
        'SELECT "id" FROM (SELECT "id", ROW_NUMBER() OVER (PARTITION BY "corp_id", "staff_id", '
        '"customer_id" ORDER BY "updated_at" DESC, "id" DESC) AS "n" FROM "follow_relation") '
        'WHERE "n" = 1)'
    )


async def nothing(apps: Any, editor: Any) -> None:
    """The duplicates are gone for good; the index they broke stays."""


class AddIndexOnline(ops.AddIndex):
    """AddIndex, built CONCURRENTLY on PostgreSQL (writes go on meanwhile); as AddIndex elsewhere."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        client = state_editor.client if state_editor else None
        if client is None or client.capabilities.dialect != "postgres":
            return await super().database_forward(app_label, old_state, new_state, state_editor)
        table = new_state.apps.get_model(f"{app_label}.{self.model_name}")._meta.db_table
        name, columns = self.index.name, ", ".join(f'"{c}"' for c in self.index.fields)
        rows = await client.execute_query_dict(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = $1",
            [name],
        )
        if rows and not rows[0]["indisvalid"]:  # a build that was cut off: start it again
            await client.execute_script(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        await client.execute_script(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" ({columns})'
        )


def _fk(model: str, table: str, column: str) -> AddIndexOnline:
    return AddIndexOnline(
        model_name=model, index=Index(fields=[column], name=f"idx_{table}_{column}")
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0030_journeylanes')]

    initial = False
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    operations = [
        ops.RunPython(dedupe_relations, nothing),
        ops.RunSQL(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uid_follow_rela_corp_id_81f2f5" '
            'ON "follow_relation" ("corp_id", "staff_id", "customer_id")',
            reverse_sql='SELECT 1',
        ),
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_follow_rela_custome_570a62" '
            'ON "follow_relation" ("customer_id")',
            reverse_sql='SELECT 1',
        ),
        _fk('AlertComment', 'alert_comment', 'alert_id'),
        _fk('Contract', 'contract', 'opportunity_id'),
        _fk('JourneyLog', 'journey_log', 'run_id'),
        _fk('JourneyTask', 'journey_task', 'journey_id'),
        _fk('Lead', 'lead', 'customer_id'),
        _fk('LeadActivity', 'lead_activity', 'lead_id'),
        _fk('MassSendTask', 'mass_send_task', 'send_id'),
        _fk('QuickReply', 'quick_reply', 'category_id'),
        _fk('Quote', 'quote', 'opportunity_id'),
        _fk('StageChange', 'stage_change', 'opportunity_id'),
        _fk('Tag', 'tag', 'group_id'),
    ]
