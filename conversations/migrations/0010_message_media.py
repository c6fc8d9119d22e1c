"""The stored file of each media message."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0009_message_templates")]

    operations = [
        migrations.CreateModel(
            name="MessageMedia",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "media_id",
                    models.CharField(
                        blank=True,
                        help_text="Inbound: from the webhook (downloadable for 7 days). Outbound: from the upload.",
                        max_length=255,
                        verbose_name="Meta media id",
                    ),
                ),
                ("mime_type", models.CharField(blank=True, max_length=255)),
                (
                    "sha256",
                    models.CharField(blank=True, help_text="As Meta reported it.", max_length=128),
                ),
                ("filename", models.CharField(blank=True, max_length=255)),
                ("file_size", models.BigIntegerField(blank=True, null=True)),
                (
                    "file",
                    models.FileField(blank=True, max_length=255, upload_to="whatsapp/%Y/%m/%d/"),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for download"),
                            ("stored", "Stored"),
                            ("failed", "Media unavailable: retry"),
                            ("refused", "Refused (too large or not an allowed type)"),
                            (
                                "disabled",
                                "Not downloaded (downloads off, or no WhatsApp connection)",
                            ),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("error", models.CharField(blank=True, max_length=255)),
                ("stored_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "message",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="media",
                        to="conversations.message",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "message media",
            },
        ),
        migrations.AddIndex(
            model_name="messagemedia",
            index=models.Index(
                condition=models.Q(("state__in", ["pending", "failed"])),
                fields=["state"],
                name="media_owed_idx",
            ),
        ),
    ]
