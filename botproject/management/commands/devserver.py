"""`manage.py devserver`: the whole product on one machine, for README's first command.

Migrates, makes sure a demo admin exists, then serves HTTP and websockets (daphne's
`runserver`) with a task worker beside it, and stops the worker when the server stops.
"""

import os
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.services import create_staff_user

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"  # noqa: S105 - local demo only; refused when DEBUG is off


class Command(BaseCommand):
    help = "Migrate, create a demo admin, and run the web server with a task worker."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start `db_worker` beside the server.",
        )

    def handle(self, *args, addrport, no_worker, **options):
        # runserver's autoreloader runs this command again in a child process
        # (RUN_MAIN=true); only the first process sets up and owns the worker.
        if os.environ.get("RUN_MAIN") == "true":
            call_command("runserver", addrport)
            return
        if not settings.DEBUG:
            raise CommandError("devserver is for local use; it refuses to run with DEBUG off.")
        call_command("migrate", interactive=False, verbosity=0)
        self._ensure_demo_admin(addrport)
        worker = None if no_worker else self._start_worker()
        try:
            call_command("runserver", addrport)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)

    def _ensure_demo_admin(self, addrport: str) -> None:
        User = get_user_model()
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user, _ = create_staff_user(
                username=DEMO_USERNAME, role="admin", password=DEMO_PASSWORD
            )
        url = f"http://{addrport}/admin/"
        if user.check_password(DEMO_PASSWORD):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Back office: {url}  (user {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r})"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Back office: {url}"))

    def _start_worker(self) -> subprocess.Popen:
        self.stdout.write("Starting the task worker (manage.py db_worker).")
        return subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            # A short poll keeps replies and live dashboard events prompt, as in production.
            [
                sys.executable,
                str(settings.BASE_DIR / "manage.py"),
                "db_worker",
                "--interval",
                "0.2",
            ],
        )
