"""群发 sends name the worker that holds them, so a dead worker's send is taken over fast."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0032_journeyclaims")]

    initial = False

    operations = [
        ops.AddField(
            model_name="MassSend",
            name="claimed_by",
            field=fields.CharField(max_length=40, default="", db_default=""),
        ),
    ]
