from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0016_admin_users_quick_replies')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='JourneyLog',
            index=Index(fields=['corp_id', 'action', 'created_at']),
        ),
        ops.AlterModelOptions(
            name='QuickReply',
            options={'table': 'quick_reply', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One 话术库 item (text, image or link) that staff insert into a chat from the sidebar.'},
        ),
    ]
