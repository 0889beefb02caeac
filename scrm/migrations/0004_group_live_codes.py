from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_live_code_poster')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GroupLiveCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('state', fields.CharField(max_length=30)),
                ('chat_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('current_chat_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('threshold', fields.IntField(default=200)),
                ('auto_create', fields.BooleanField(default=True)),
                ('room_base_name', fields.CharField(default='', max_length=40)),
                ('room_base_id', fields.IntField(default=1)),
                ('welcome_text', fields.TextField(default='', unique=False)),
                ('welcome_template_id', fields.CharField(default='', max_length=64)),
                ('config_id', fields.CharField(default='', max_length=64)),
                ('qr_url', fields.CharField(default='', max_length=512)),
                ('status', fields.CharField(default='active', max_length=16)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'group_live_code', 'app': 'models', 'unique_together': (('corp', 'state'),), 'pk_attr': 'id', 'table_description': 'A 群活码: one WeCom join way over ≤ 5 groups at a time, rotating as groups fill.'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='GroupLiveCodeJoin',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('code', fields.ForeignKeyField('models.GroupLiveCode', source_field='code_id', db_constraint=True, to_field='id', related_name='joins', on_delete=OnDelete.CASCADE)),
                ('chat_id', fields.CharField(max_length=64)),
                ('member_id', fields.CharField(max_length=64)),
                ('joined_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('day', fields.DateField()),
            ],
            options={'table': 'group_live_code_join', 'app': 'models', 'unique_together': (('code', 'chat_id', 'member_id', 'joined_at'),), 'pk_attr': 'id'},
            bases=['CorpScopedModel'],
        ),
    ]
