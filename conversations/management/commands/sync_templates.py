"""`manage.py sync_templates`: read every message template from Meta and store it.

Uses WHATSAPP_BUSINESS_ACCOUNT_ID and WHATSAPP_ACCESS_TOKEN; prints what changed. Safe to
run any time (a cron, or after creating a template in WhatsApp Manager).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from conversations.services.templates import TemplateListError, sync_templates


class Command(BaseCommand):
    help = "Sync the WhatsApp message templates from Meta's Graph API."

    def handle(self, *args, **options):
        try:
            summary = sync_templates()
        except TemplateListError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Templates synced from Meta: {summary}.")
