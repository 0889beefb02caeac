from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0020_transfers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LinkOpen',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('material_id', fields.BigIntField(db_index=True)),
                ('sender', fields.CharField(default='', max_length=64)),
                ('target_id', fields.CharField(default='', max_length=64)),
                ('source', fields.CharField(default='', max_length=32)),
                ('user_agent', fields.CharField(default='', max_length=256)),
                ('opened_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'link_open', 'app': 'models', 'indexes': [Index(fields=['corp_id', 'target_id'])], 'pk_attr': 'id', 'table_description': 'One open of a 雷达 link: who sent it, to whom, through which send.'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='MassSend',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('chat_type', fields.CharField(default='single', max_length=8)),
                ('name', fields.CharField(max_length=64)),
                ('text', fields.TextField(default='', unique=False)),
                ('material_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('target', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='scheduled', db_index=True, max_length=16)),
                ('send_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(default='', max_length=64)),
                ('planned', fields.IntField(default=0)),
                ('error', fields.TextField(default='', unique=False)),
                ('next_track_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('track_every', fields.IntField(default=30)),
                ('tracked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mass_send', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-off 群发 to customers (single) or customer groups (group).'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='MassSendTask',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('send', fields.ForeignKeyField('models.MassSend', source_field='send_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('sender', fields.CharField(max_length=64)),
                ('msgid', fields.CharField(default='', db_index=True, max_length=64)),
                ('recipients', fields.IntField(default=0)),
                ('confirmed', fields.BooleanField(default=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminders', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('error', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'mass_send_task', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One add_msg_template task: one sending member, up to 10 000 customers / 2 000 groups.'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='MassSendRecipient',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('task', fields.ForeignKeyField('models.MassSendTask', source_field='task_id', db_constraint=True, to_field='id', related_name='rows', on_delete=OnDelete.CASCADE)),
                ('send_id', fields.BigIntField()),
                ('target_id', fields.CharField(max_length=64)),
                ('status', fields.SmallIntField(default=0)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mass_send_recipient', 'app': 'models', 'unique_together': (('task', 'target_id'),), 'indexes': [Index(fields=['send_id', 'status']), Index(fields=['corp_id', 'target_id', 'sent_at'])], 'pk_attr': 'id', 'table_description': "A customer or group in a task, with WeCom's send status (0 未发送 1 已发送 2 非好友"},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='Material',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('category', fields.CharField(default='', max_length=32)),
                ('title', fields.CharField(max_length=128)),
                ('content', fields.TextField(default='', unique=False)),
                ('url', fields.CharField(default='', max_length=1024)),
                ('cover_url', fields.CharField(default='', max_length=1024)),
                ('extra', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tracked', fields.BooleanField(default=False)),
                ('media_id', fields.CharField(default='', max_length=256)),
                ('media_expires_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('blob', fields.BinaryField(null=True)),
                ('uses', fields.IntField(default=0)),
            ],
            options={'table': 'material', 'app': 'models', 'indexes': [Index(fields=['corp_id', 'category'])], 'pk_attr': 'id', 'table_description': '素材库: one piece of content (text, image, link, mini program, file, video, poster).'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='Segment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('conditions', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'segment', 'app': 'models', 'pk_attr': 'id', 'table_description': '客户分群: a saved filter over customers, evaluated live (never a frozen list).'},
            bases=['CorpScopedModel'],
        ),
    ]
