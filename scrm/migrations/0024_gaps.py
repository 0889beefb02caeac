from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0023_reports_activity')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TransferRotation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=128)),
                ('last_userid', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'transfer_rotation', 'app': 'models', 'unique_together': (('corp', 'key'),), 'pk_attr': 'id', 'table_description': 'Where a round robin stands: the member who got the last customer, per saved rule or per'},
            bases=['CorpScopedModel'],
        ),
        ops.AddField(
            model_name='LiveCode',
            name='welcome_material_ids',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='MassSend',
            name='claimed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
