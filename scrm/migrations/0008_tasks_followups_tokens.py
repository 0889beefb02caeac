from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_deals')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('role', fields.CharField(max_length=16)),
                ('userid', fields.CharField(default='', max_length=64)),
                ('team', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'api_token', 'app': 'models', 'pk_attr': 'id', 'table_description': "A person's API token. Staff see their own records, managers their team's, admins all."},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='FollowUp',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('userid', fields.CharField(max_length=64)),
                ('opportunity_id', fields.BigIntField(null=True)),
                ('external_userid', fields.CharField(default='', db_index=True, max_length=64)),
                ('note', fields.TextField(unique=False)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'follow_up', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A follow-up note on an opportunity or a customer (leads keep theirs in the timeline).'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='Task',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=128)),
                ('assignee', fields.CharField(db_index=True, max_length=64)),
                ('lead_id', fields.BigIntField(null=True)),
                ('opportunity_id', fields.BigIntField(null=True)),
                ('external_userid', fields.CharField(default='', max_length=64)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('remind_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'task', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A to-do with an optional reminder, on a lead, an opportunity or a customer.'},
            bases=['CorpScopedModel'],
        ),
    ]
