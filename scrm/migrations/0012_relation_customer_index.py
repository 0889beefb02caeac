from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_compliance_and_journey_reentry')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='FollowRelation',
            index=Index(fields=['customer_id']),
        ),
    ]
