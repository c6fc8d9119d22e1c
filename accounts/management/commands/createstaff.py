"""`manage.py createstaff USERNAME --role agent`: a staff user in one of the role groups."""

import getpass
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import ROLE_GROUPS
from accounts.services import create_staff_user


class Command(BaseCommand):
    help = "Create or update a staff user in the Admin, Agent or Viewer role."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_GROUPS))
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            help="Set this password. Without it you are prompted; with --no-input a "
            "random one is generated and printed.",
        )
        parser.add_argument("--no-input", "--noinput", dest="interactive", action="store_false")

    def handle(self, *args, username, role, email, password, interactive, **options):
        generated = False
        # An existing user keeps their password unless a new one is given.
        is_new = not get_user_model().objects.filter(username=username).exists()
        if password is None and is_new and interactive:
            password = self._prompt_password()
        elif password is None and is_new:
            password = secrets.token_urlsafe(12)
            generated = True
        user, created = create_staff_user(
            username=username, role=role, password=password, email=email
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {ROLE_GROUPS[role]} user {user.username!r}."))
        if generated:
            self.stdout.write(f"Password: {password}")

    def _prompt_password(self) -> str:
        for _ in range(3):
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("Passwords do not match.")
                continue
            try:
                validate_password(password)
            except ValidationError as exc:
                self.stderr.write("\n".join(exc.messages))
                continue
            return password
        raise CommandError("No valid password given.")
