"""Inbox rows keep the edge's parse of their event (JSON) beside the XML: the jobs read it."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0034_closed_sets")]

    initial = False

    operations = [
        ops.AddField(model_name="Inbox", name="parsed", field=fields.TextField(null=True)),
    ]
