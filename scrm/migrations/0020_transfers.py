from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0019_dead_events_and_pii')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ChurnEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('userid', fields.CharField(db_index=True, max_length=64)),
                ('external_userid', fields.CharField(max_length=64)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('customer_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('notified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reengaged_task_id', fields.BigIntField(null=True)),
            ],
            options={'table': 'churn_event', 'app': 'models', 'unique_together': (('corp', 'userid', 'external_userid', 'at'),), 'pk_attr': 'id', 'table_description': 'A customer deleted a member (del_follow_user): the member is told once per deletion.'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='Handover',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('batch', fields.CharField(db_index=True, max_length=32)),
                ('handover_userid', fields.CharField(db_index=True, max_length=64)),
                ('takeover_userid', fields.CharField(db_index=True, max_length=64)),
                ('external_userid', fields.CharField(default='', db_index=True, max_length=64)),
                ('chat_id', fields.CharField(default='', max_length=64)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('errcode', fields.IntField(default=0)),
                ('reason', fields.CharField(default='', max_length=255)),
                ('message', fields.CharField(default='', max_length=255)),
                ('operator', fields.CharField(default='', max_length=64)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_check_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checks', fields.IntField(default=0)),
                ('moved', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('moved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'handover', 'app': 'models', 'indexes': [Index(fields=['corp_id', 'status', 'next_check_at'])], 'pk_attr': 'id', 'table_description': 'One customer (or one group) handed from one member to another, tracked until WeCom'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='TransferRule',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=32)),
                ('takeover_userids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('to_manager', fields.BooleanField(default=False)),
            ],
            options={'table': 'transfer_rule', 'app': 'models', 'unique_together': (('corp', 'name'),), 'pk_attr': 'id', 'table_description': "A saved way to hand out a departed member's customers: to their manager, or in turn"},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='TransferSettings',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('churn_notify_member', fields.BooleanField(default=True)),
                ('churn_notify_manager', fields.BooleanField(default=False)),
            ],
            options={'table': 'transfer_settings', 'app': 'models', 'unique_together': (('corp',),), 'pk_attr': 'id', 'table_description': 'Per-corp choices for hand-overs and churn alerts.'},
            bases=['CorpScopedModel'],
        ),
    ]
