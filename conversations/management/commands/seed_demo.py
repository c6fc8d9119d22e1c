"""`manage.py seed_demo [--leads N]`: demo leads, so the back office is not empty at first."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from conversations.demo.leads import MAX_LEADS
from conversations.demo.seeding import DEFAULT_LEADS, seed_demo


class Command(BaseCommand):
    help = (
        "Create demo leads with conversations in English, Spanish, Portuguese and German "
        "(complete and incomplete profiles, one in manual mode with a draft waiting, failed "
        "sends), through the webhook and the bot's real pipeline. Safe to run again: leads "
        "already there are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--leads",
            type=int,
            default=DEFAULT_LEADS,
            help=f"How many demo leads (default {DEFAULT_LEADS}, at most {MAX_LEADS}).",
        )

    def handle(self, *args, leads, **options):
        if not 1 <= leads <= MAX_LEADS:
            raise CommandError(f"--leads takes a number from 1 to {MAX_LEADS}.")
        if settings.WHATSAPP_TRANSPORT != "console":
            # The bot answers every demo lead: through Meta, made-up numbers would get them.
            raise CommandError(
                "seed_demo runs with the console transport only (WHATSAPP_TRANSPORT=console)."
            )
        result = seed_demo(leads)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {result.created} leads created, {result.existing} already there."
            )
        )
