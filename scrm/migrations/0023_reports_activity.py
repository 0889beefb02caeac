from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0022_reports')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Opportunity',
            name='last_activity_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Backfill: the latest of creation, stage change, follow-ups and tasks done on it
        # (SQL that SQLite and PostgreSQL both run).
        ops.RunSQL(
            'UPDATE "opportunity" SET "last_activity_at" = '
            'COALESCE("stage_changed_at", "created_at")',
            reverse_sql='SELECT 1',
        ),
        ops.RunSQL(
            'UPDATE "opportunity" SET "last_activity_at" = (SELECT MAX(f."at") FROM "follow_up" f '
            'WHERE f."opportunity_id" = "opportunity"."id") WHERE EXISTS (SELECT 1 FROM '
            '"follow_up" f WHERE f."opportunity_id" = "opportunity"."id" '
            'AND f."at" > "opportunity"."last_activity_at")',
            reverse_sql='SELECT 1',
        ),
        ops.RunSQL(
            'UPDATE "opportunity" SET "last_activity_at" = (SELECT MAX(t."done_at") FROM "task" t '
            'WHERE t."opportunity_id" = "opportunity"."id") WHERE EXISTS (SELECT 1 FROM "task" t '
            'WHERE t."opportunity_id" = "opportunity"."id" '
            'AND t."done_at" > "opportunity"."last_activity_at")',
            reverse_sql='SELECT 1',
        ),
        ops.AddIndex(
            model_name='Opportunity',
            index=Index(fields=['corp_id', 'stage_id', 'last_activity_at']),
        ),
    ]
