"""One waiting answer task per conversation, and why the bot failed a message for good.

Two nullable / constant-default columns: PostgreSQL adds them without rewriting the tables.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0014_message_asked_for")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="answer_task_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="reply_error",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Set when the brain refused the turn for good (a wrong API key, a "
                'bad request): shown with "Bot failed" so staff know what to fix before '
                "retrying.",
                max_length=255,
                verbose_name="why the bot failed",
            ),
        ),
    ]
