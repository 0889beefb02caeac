from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# The funnel report reads every live lead of a window (scrm/services/reports.py): on
# PostgreSQL a partial covering index answers it from the index alone (docs/benchmarks.md,
# Funnel). SQLite has no INCLUDE; its funnel keeps the plain indexes.
FUNNEL_INDEX = (
    'CREATE INDEX IF NOT EXISTS "idx_lead_funnel_cover" ON "lead" ("corp_id", "created_at") '
    'INCLUDE ("channel", "campaign", "owner_userid", "status", "score") '
    'WHERE "merged_into_id" IS NULL'
)


async def funnel_index(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(FUNNEL_INDEX)


async def drop_funnel_index(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script('DROP INDEX IF EXISTS "idx_lead_funnel_cover"')


class Migration(migrations.Migration):
    dependencies = [('models', '0022_reports')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Inbox',
            name='arrived_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(funnel_index, drop_funnel_index),
    ]
