from tortoise import migrations
from tortoise.migrations import operations as ops
from scrm.models.base import EncryptedTextField
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0018_corp_sync')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='LeadEvent',
            name='body',
            field=EncryptedTextField(unique=False),
        ),
        # SQLite rebuilds the table for the AlterField above and drops the separate unique
        # index of (platform, message_id); put it back (PostgreSQL keeps it: a no-op there).
        ops.RunSQL(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uid_lead_event_platfor_3c2083" '
            'ON "lead_event" ("platform", "message_id")',
            reverse_sql='SELECT 1',
        ),
        ops.AddField(
            model_name='Lead',
            name='other_phones',
            field=EncryptedTextField(null=True, unique=False),
        ),
        ops.AlterModelOptions(
            name='LeadEvent',
            options={'table': 'lead_event', 'app': 'models', 'unique_together': (('platform', 'message_id'), ('source_id', 'digest')), 'pk_attr': 'id', 'table_description': 'A platform push exactly as received (encrypted: it holds phones), kept for replay: one'},
        ),
        ops.AddField(
            model_name='LeadEvent',
            name='attempts',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='LeadEvent',
            name='digest',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddConstraint(
            model_name='LeadEvent',
            constraint=UniqueConstraint(fields=('source_id', 'digest'), name=None),
        ),
    ]
