from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0024_gaps')]

    initial = False

    operations = [
        ops.AddField(
            model_name='LiveCode',
            name='poster_background',
            field=fields.BinaryField(null=True),
        ),
    ]
