from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LiveCodeAdd',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('code', fields.ForeignKeyField('models.LiveCode', source_field='code_id', db_constraint=True, to_field='id', related_name='adds', on_delete=OnDelete.CASCADE)),
                ('userid', fields.CharField(max_length=64)),
                ('external_userid', fields.CharField(max_length=64)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('day', fields.DateField()),
                ('welcome', fields.CharField(default='', max_length=16)),
                ('welcome_ms', fields.IntField(null=True)),
                ('lost_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'live_code_add', 'app': 'models', 'unique_together': (('code', 'userid', 'external_userid', 'added_at'),), 'pk_attr': 'id', 'table_description': 'One add through a code: the facts behind its statistics.'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='LiveCodeMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('code', fields.ForeignKeyField('models.LiveCode', source_field='code_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('userid', fields.CharField(max_length=64)),
                ('weight', fields.IntField(default=1)),
                ('daily_quota', fields.IntField(default=0)),
                ('total_cap', fields.IntField(default=0)),
                ('online', fields.BooleanField(default=True)),
                ('backup', fields.BooleanField(default=False)),
                ('welcome_text', fields.TextField(default='', unique=False)),
                ('config_id', fields.CharField(default='', max_length=64)),
                ('qr_url', fields.CharField(default='', max_length=512)),
                ('adds_total', fields.IntField(default=0)),
            ],
            options={'table': 'live_code_member', 'app': 'models', 'unique_together': (('code', 'userid'),), 'pk_attr': 'id', 'table_description': "A member of a code's pool, with its own quota and its own single-member contact way."},
            bases=['CorpScopedModel'],
        ),
        ops.AddField(
            model_name='LiveCode',
            name='campaign',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='description_template',
            field=fields.CharField(default='', max_length=255),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='last_error',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='remark_template',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='schedule',
            field=fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='skip_verify_mode',
            field=fields.CharField(default='always', max_length=8),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='skip_verify_windows',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='special_dates',
            field=fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='status',
            field=fields.CharField(default='active', max_length=16),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='strategy',
            field=fields.CharField(default='round_robin', max_length=16),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='synced_userids',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='total_cap',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='welcome_attachments',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='welcome_variants',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
