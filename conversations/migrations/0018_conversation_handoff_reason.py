# Why the bot handed a conversation over to a person, for the dashboard's notice.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0017_conversation_assigned_to"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="handoff_reason",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Set when the bot handed the conversation over (a price, availability "
                "or complaint question); cleared when it is handed back.",
                max_length=255,
                verbose_name="why a person answers",
            ),
        ),
    ]
