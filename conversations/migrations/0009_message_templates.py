"""Templates synced from Meta, and the template a message was sent from."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0008_leaner_indexes")]

    operations = [
        migrations.CreateModel(
            name="MessageTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "meta_id",
                    models.CharField(
                        blank=True,
                        max_length=64,
                        null=True,
                        unique=True,
                        verbose_name="Meta template id",
                    ),
                ),
                ("name", models.CharField(max_length=512)),
                (
                    "language",
                    models.CharField(help_text="Meta's code, e.g. en_US or pt_BR.", max_length=16),
                ),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("MARKETING", "Marketing"),
                            ("UTILITY", "Utility"),
                            ("AUTHENTICATION", "Authentication"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("APPROVED", "Approved"),
                            ("PENDING", "Pending review"),
                            ("REJECTED", "Rejected"),
                            ("PAUSED", "Paused"),
                            ("DISABLED", "Disabled"),
                            ("IN_APPEAL", "In appeal"),
                            ("PENDING_DELETION", "Pending deletion"),
                            ("DELETED", "Deleted"),
                            ("ARCHIVED", "Archived"),
                            ("LIMIT_EXCEEDED", "Limit exceeded"),
                        ],
                        default="PENDING",
                        max_length=20,
                    ),
                ),
                ("rejected_reason", models.CharField(blank=True, max_length=255)),
                (
                    "quality_score",
                    models.CharField(
                        choices=[
                            ("GREEN", "High"),
                            ("YELLOW", "Medium"),
                            ("RED", "Low"),
                            ("UNKNOWN", "Not rated yet"),
                        ],
                        default="UNKNOWN",
                        max_length=10,
                    ),
                ),
                (
                    "components",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Header, body, footer and buttons, as Meta returns them.",
                    ),
                ),
                ("synced_at", models.DateTimeField(blank=True, null=True)),
                (
                    "missing_since",
                    models.DateTimeField(
                        blank=True,
                        help_text="Set when a sync no longer finds it at Meta; it is then not offered for sending.",
                        null=True,
                        verbose_name="not listed by Meta since",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["name", "language"],
                "indexes": [models.Index(fields=["status", "name"], name="template_status_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("name", "language"), name="template_name_language"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="message",
            name="template",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The approved template this message was sent from.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="conversations.messagetemplate",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("template__isnull", False)),
                fields=["template"],
                name="message_template_idx",
            ),
        ),
    ]
