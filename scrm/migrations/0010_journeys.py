from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_sop')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Journey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('trigger', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('nodes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('per_day_cap', fields.IntField(default=1)),
                ('per_week_cap', fields.IntField(default=3)),
                ('quiet_start', fields.CharField(default='21:00', max_length=5)),
                ('quiet_end', fields.CharField(default='08:00', max_length=5)),
                ('status', fields.CharField(default='active', max_length=16)),
            ],
            options={'table': 'journey', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A customer journey (客户SOP): a trigger, then nodes (wait, send, remind, tag, branch,'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='JourneyRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('journey', fields.ForeignKeyField('models.Journey', source_field='journey_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('external_userid', fields.CharField(max_length=64)),
                ('owner_userid', fields.CharField(max_length=64)),
                ('node_id', fields.CharField(max_length=16)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='active', max_length=16)),
            ],
            options={'table': 'journey_run', 'app': 'models', 'unique_together': (('journey', 'external_userid'),), 'pk_attr': 'id', 'table_description': 'One customer on one journey (entered once): where they are and when they move on.'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='JourneyLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('run', fields.ForeignKeyField('models.JourneyRun', source_field='run_id', db_constraint=True, to_field='id', related_name='log', on_delete=OnDelete.CASCADE)),
                ('external_userid', fields.CharField(db_index=True, max_length=64)),
                ('node_id', fields.CharField(max_length=16)),
                ('action', fields.CharField(max_length=16)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'journey_log', 'app': 'models', 'pk_attr': 'id'},
            bases=['CorpScopedModel'],
        ),
    ]
