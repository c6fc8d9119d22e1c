"""Marketing opt-out, blocking, follow-ups, and their log actions."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0011_message_edits_and_phone_sender")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="blocked_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Blocked by the business: the bot does not answer and no template is sent.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="conversation",
            name="followed_up_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="last follow-up sent at"
            ),
        ),
        migrations.AddField(
            model_name="conversation",
            name="followed_up_silence_of",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="conversation",
            name="marketing_opt_out_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Set by WhatsApp's user_preferences webhook: marketing templates are refused while it is set.",
                null=True,
                verbose_name="stopped marketing messages at",
            ),
        ),
        migrations.AddField(
            model_name="conversation",
            name="marketing_preference_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
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
                ],
                max_length=20,
            ),
        ),
    ]
