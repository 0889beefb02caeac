from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0026_perf')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Department',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('dept_id', fields.IntField()),
                ('name', fields.CharField(default='', max_length=64)),
                ('parent_id', fields.IntField(default=0)),
                ('order', fields.BigIntField(default=0)),
            ],
            options={'table': 'department', 'app': 'models', 'unique_together': (('corp', 'dept_id'),), 'pk_attr': 'id', 'table_description': "A WeCom department's name, mirrored by the staff sync (department/list) so pickers and"},
            bases=['CorpScopedModel'],
        ),
    ]
