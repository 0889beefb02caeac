"""Journey runs name the worker that claimed them, so a dead worker's runs are handed on fast."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0031_fk_indexes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="JourneyRun",
            name="claimed_by",
            field=fields.CharField(max_length=40, default="", db_default=""),
        ),
    ]
