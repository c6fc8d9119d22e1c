"""Users' edit history, and messages typed on the business phone."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0010_message_media")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="edited_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Earlier texts are its edits.",
                null=True,
                verbose_name="last edited at",
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="sender",
            field=models.CharField(
                choices=[
                    ("user", "User"),
                    ("bot", "Bot"),
                    ("agent", "Agent"),
                    ("phone", "Business phone"),
                    ("system", "System"),
                ],
                max_length=10,
            ),
        ),
        migrations.CreateModel(
            name="MessageEdit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("previous_text", models.TextField(blank=True)),
                (
                    "edited_at",
                    models.DateTimeField(help_text="When it was edited on WhatsApp."),
                ),
                (
                    "edit",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="conversations.message",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="edits",
                        to="conversations.message",
                    ),
                ),
            ],
            options={
                "ordering": ["message", "edited_at", "id"],
            },
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("type__in", ["edit", "revoke"])),
                fields=["conversation"],
                name="message_change_idx",
            ),
        ),
    ]
