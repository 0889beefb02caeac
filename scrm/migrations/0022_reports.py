from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_campaigns')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ForecastSubmission',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('userid', fields.CharField(max_length=64)),
                ('month', fields.CharField(max_length=7)),
                ('amount', fields.BigIntField()),
                ('note', fields.CharField(default='', max_length=255)),
                ('submitted_by', fields.CharField(default='', max_length=64)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'forecast_submission', 'app': 'models', 'unique_together': (('corp', 'userid', 'month'),), 'pk_attr': 'id', 'table_description': 'What a member commits to close in a month (seeds: AE self-report, manager review).'},
            bases=['CorpScopedModel'],
        ),
        ops.CreateModel(
            name='SalesTarget',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('corp', fields.ForeignKeyField('models.Corp', source_field='corp_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('userid', fields.CharField(max_length=64)),
                ('month', fields.CharField(max_length=7)),
                ('amount', fields.BigIntField()),
                ('set_by', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'sales_target', 'app': 'models', 'unique_together': (('corp', 'userid', 'month'),), 'pk_attr': 'id', 'table_description': "A member's quota for a month, entered by a manager: coverage is measured against it."},
            bases=['CorpScopedModel'],
        ),
        ops.AddField(
            model_name='Stage',
            name='forecast_category',
            field=fields.CharField(default='', max_length=16),
        ),
        ops.AddField(
            model_name='Stage',
            name='stale_days',
            field=fields.IntField(default=7),
        ),
    ]
