from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_group_live_codes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='LiveCode',
            name='department_quota',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='departments',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='one_owner',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='LiveCode',
            name='one_owner_text',
            field=fields.TextField(default='', unique=False),
        ),
    ]
