# The agent who looks after a conversation, the right to give one to somebody else, and
# the log line that records it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0016_conversation_stats_view"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="conversation",
            options={
                "ordering": ["-last_message_at", "-id"],
                "permissions": [("assign_others", "Can assign conversations to other staff")],
            },
        ),
        migrations.AddField(
            model_name="conversation",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                help_text="The agent who looks after this conversation.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="assigned_conversations",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="conversationlog",
            name="action",
            field=models.CharField(
                choices=[
                    ("manual_on", "Manual mode on"),
                    ("manual_off", "Manual mode off"),
                    ("handoff", "Handoff state changed"),
                    ("draft_created", "Draft written by the bot"),
                    ("draft_approved", "Draft approved and sent"),
                    ("draft_discarded", "Draft discarded"),
                    ("agent_reply", "Agent replied"),
                    ("send_retried", "Sending retried"),
                    ("reply_retried", "Bot reply retried"),
                    ("profile_edited", "Profile fields typed by an agent"),
                    ("fields_confirmed", "Bot's profile values confirmed"),
                    ("template_sent", "Template message sent"),
                    ("media_sent", "Image or document sent"),
                    ("follow_up", "Follow-up template sent to a silent lead"),
                    ("phone_reply", "Replied from the business phone"),
                    ("marketing_stopped", "User stopped marketing messages"),
                    ("marketing_resumed", "User resumed marketing messages"),
                    ("blocked", "Contact blocked"),
                    ("unblocked", "Contact unblocked"),
                    ("assigned", "Assignment changed"),
                ],
                max_length=20,
            ),
        ),
    ]
