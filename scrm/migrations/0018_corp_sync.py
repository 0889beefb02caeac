from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from scrm.enums import RelationStatus
from scrm.models.base import EncryptedTextField
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0017_journey_log_sent_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SyncCursor',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('step', fields.CharField(max_length=16)),
                ('key', fields.CharField(max_length=64)),
                ('cursor', fields.CharField(default='', max_length=512)),
                ('done', fields.BooleanField(default=False)),
            ],
            options={'table': 'sync_cursor', 'app': 'models', 'unique_together': (('corp', 'step', 'key'),), 'pk_attr': 'id', 'table_description': 'Where a step stands for one member (customers) or the group list (groups).'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='SyncRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('trigger', fields.CharField(default='cli', max_length=16)),
                ('only', fields.CharField(default='', max_length=16)),
                ('status', fields.CharField(default='running', max_length=16)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('counts', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('api_calls', fields.IntField(default=0)),
                ('rows_written', fields.IntField(default=0)),
                ('duration_ms', fields.IntField(default=0)),
                ('errors', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('resumed', fields.BooleanField(default=False)),
            ],
            options={'table': 'sync_run', 'app': 'models', 'indexes': [Index(fields=['corp_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One sync of a corp (all steps or one), what it changed and what went wrong.'},
            bases=['CorpScopedModel'],
        ),
        ops.AddField(
            model_name='Customer',
            name='position',
            field=fields.CharField(default='', max_length=128),
        ),
        ops.AlterField(
            model_name='FollowRelation',
            name='status',
            field=fields.CharEnumField(default=RelationStatus.ACTIVE, description='ACTIVE: active\nPENDING: pending\nCUSTOMER_DELETED: customer_deleted\nSTAFF_DELETED: staff_deleted\nTRANSFERRED: transferred\nENDED: ended', enum_type=RelationStatus, max_length=24),
        ),
        ops.AddField(
            model_name='FollowRelation',
            name='mobile_indexes',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='FollowRelation',
            name='oper_userid',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='FollowRelation',
            name='remark_mobiles',
            field=EncryptedTextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='GroupChat',
            name='admins',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='GroupMember',
            name='group_nickname',
            field=fields.CharField(default='', max_length=128),
        ),
        ops.AddField(
            model_name='GroupMember',
            name='invitor',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='GroupMember',
            name='name',
            field=fields.CharField(default='', max_length=128),
        ),
    ]
