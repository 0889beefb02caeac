from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0027_dept')]

    initial = False

    operations = [
        # The drain's claim (`WHERE status = 'pending' ORDER BY id LIMIT n`) and the sweeper's
        # count read only pending pushes: without this they scan every stored push, bodies and
        # all (96 ms per claim at 100 000 pushes), once per batch. Partial, so it stays as
        # small as the queue; SQL both databases run.
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_lead_event_pending" ON "lead_event" ("id") '
            "WHERE \"status\" = 'pending'",
            reverse_sql='DROP INDEX IF EXISTS "idx_lead_event_pending"',
        ),
    ]
