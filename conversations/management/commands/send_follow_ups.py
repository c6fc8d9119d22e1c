"""`manage.py send_follow_ups`: follow up every incomplete lead silent long enough.

For a cron, and for leads that went silent before FOLLOW_UP_ENABLED was turned on; each
lead is claimed like the worker's own deferred check, so running both never sends twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from conversations.services.follow_up import follow_up_template, send_due_follow_ups


class Command(BaseCommand):
    help = "Send the follow-up template to incomplete leads silent for FOLLOW_UP_AFTER_HOURS."

    def handle(self, *args, **options):
        if not settings.FOLLOW_UP_ENABLED:
            self.stdout.write("Follow-ups are off (FOLLOW_UP_ENABLED); nothing sent.")
            return
        if follow_up_template() is None:
            self.stderr.write(
                f"No follow-up sent: {settings.FOLLOW_UP_TEMPLATE!r} "
                f"({settings.FOLLOW_UP_TEMPLATE_LANGUAGE}) is not a synced, approved utility "
                "template that can be filled from a profile."
            )
            return
        summary = send_due_follow_ups()
        self.stdout.write(f"Follow-ups: {summary}.")
