from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_journey_exit_tags_and_tasks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Journey',
            name='send_window_minutes',
            field=fields.IntField(default=1),
        ),
    ]
