"""The fields a bot message asked for, so the next turn reads "Dana Whitfield" as a name.

A new column with a constant default: PostgreSQL adds it without rewriting the table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0013_message_legacy_key")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="asked_for",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The profile fields this bot message asked the lead for "
                "(comma-separated), so that the lead's answer is read as the answer to that "
                "question.",
                max_length=64,
            ),
        ),
    ]
