from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_group_tags')]

    initial = False

    operations = [
        ops.CreateModel(
            name='JourneyTask',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('journey', fields.ForeignKeyField('models.Journey', source_field='journey_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('node_id', fields.CharField(max_length=16)),
                ('owner_userid', fields.CharField(max_length=64)),
                ('msgid', fields.CharField(max_length=64)),
                ('customers', fields.IntField(default=1)),
                ('status', fields.CharField(default='fired', db_index=True, max_length=16)),
                ('fired_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'journey_task', 'app': 'models', 'unique_together': (('corp', 'msgid'),), 'pk_attr': 'id', 'table_description': 'A WeCom customer-message task a journey `send` made for one owner, tracked until the'},
            bases=['CorpScopedModel'],
        ),
        ops.AddField(
            model_name='Journey',
            name='exit_tags',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
