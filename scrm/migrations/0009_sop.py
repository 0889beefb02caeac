from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_tasks_followups_tokens')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SopPlan',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('kind', fields.CharField(default='group', max_length=16)),
                ('target', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('steps', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='active', max_length=16)),
                ('version', fields.IntField(default=1)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('remind_after_minutes', fields.IntField(default=30)),
                ('escalate_after_minutes', fields.IntField(default=120)),
                ('expire_after_hours', fields.IntField(default=24)),
            ],
            options={'table': 'sop_plan', 'app': 'models', 'pk_attr': 'id'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='SopRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('plan', fields.ForeignKeyField('models.SopPlan', source_field='plan_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('step_id', fields.CharField(max_length=16)),
                ('target_id', fields.CharField(max_length=64)),
                ('owner_userid', fields.CharField(max_length=64)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='planned', db_index=True, max_length=16)),
                ('msgid', fields.CharField(default='', max_length=64)),
                ('fired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('error', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'sop_run', 'app': 'models', 'unique_together': (('plan', 'step_id', 'target_id', 'due_at'),), 'pk_attr': 'id', 'table_description': 'planned → firing → fired → sent, or else skipped (paused), failed, expired, cancelled.'},
            bases=['CorpScopedModel'],
        ),
    ]
