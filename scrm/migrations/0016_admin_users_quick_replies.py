from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_journey_send_window')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AdminUser',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(default='', max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('role', fields.CharField(max_length=16)),
                ('userid', fields.CharField(default='', max_length=64)),
                ('team', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('failed_logins', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'admin_user', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A login for /admin/: a scrypt hash, a role with its data scope, and lock-out state.'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='QuickReplyCategory',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'quick_reply_category', 'app': 'models', 'unique_together': (('corp', 'name'),), 'pk_attr': 'id'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='QuickReply',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('category', fields.ForeignKeyField('models.QuickReplyCategory', source_field='category_id', db_constraint=True, to_field='id', related_name='replies', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=8)),
                ('title', fields.CharField(max_length=128)),
                ('content', fields.TextField(default='', unique=False)),
                ('url', fields.CharField(default='', max_length=1024)),
                ('sort', fields.IntField(default=0)),
                ('uses', fields.IntField(default=0)),
                ('extra', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'quick_reply', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One item of the 话术库: text, an image or a link, inserted into the chat from the sidebar.'},
            bases=['CorpScopedModel'],
        ),
    ]
