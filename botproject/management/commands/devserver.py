"""`manage.py devserver`: the whole product on one machine, for README's first command.

Migrates, loads the demo leads into an empty database, makes sure a demo admin exists,
gives the children a local webhook secret when none is set (so the simulator's signed
webhooks are accepted), then runs `runserver` (daphne's: HTTP and websockets) and a task
worker as children, restarts the worker if it dies (and says so), and stops both when it
is stopped.
"""

import contextlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from argparse import RawDescriptionHelpFormatter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from accounts.services import create_staff_user
from conversations.models import Conversation

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"  # noqa: S105 - local demo only; refused when DEBUG is off
DEFAULT_ADDRPORT = "127.0.0.1:8000"
CHILD_STOP_SECONDS = 10
# A short poll keeps replies and live dashboard events prompt, as in production.
WORKER_COMMAND = ("db_worker", "--interval", "0.2")
# How often devserver checks that its worker still runs, and the shortest time between two
# restarts: a worker that dies at start-up (a broken import) is not restarted in a tight loop.
WATCH_SECONDS = 1.0
RESTART_BACKOFF_SECONDS = 5.0

DESCRIPTION = f"""\
Run the whole product locally: migrate the database, load demo leads into an
empty one (manage.py seed_demo), create the demo admin ({DEMO_USERNAME!r} /
{DEMO_PASSWORD!r}) if it is missing, then serve HTTP and websockets (daphne's
runserver, reloading on code changes) with a task worker (manage.py db_worker)
beside it. Without WHATSAPP_APP_SECRET a random one is made for the run, so that
the WhatsApp simulator (/simulator/) can sign its webhooks. Ctrl-C stops both.
Refuses to run with DEBUG off."""

EPILOG = """\
examples:
  manage.py devserver                 http://127.0.0.1:8000/
  manage.py devserver 8001            another port, still only on this machine
  manage.py devserver 0.0.0.0:8000    reachable from other machines (add their host
                                      name to ALLOWED_HOSTS)
  manage.py devserver --no-worker     web only; run manage.py db_worker yourself
  manage.py devserver --no-demo       an empty database stays empty"""


def local_url(addrport: str, path: str) -> str:
    host = f"127.0.0.1:{addrport}" if addrport.isdigit() else addrport
    return f"http://{host}{path}"


class HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, with the description and examples laid out as written."""


class Command(BaseCommand):
    help = DESCRIPTION

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = HelpFormatter
        parser.epilog = EPILOG
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport",
            nargs="?",
            default=DEFAULT_ADDRPORT,
            help=(
                "Where the server listens: a port (8001), or address:port "
                f"(0.0.0.0:8000). Default: {DEFAULT_ADDRPORT}."
            ),
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help=(
                "Do not start the task worker: webhooks are stored but nothing processes "
                "them (no bot replies, no sends) until `manage.py db_worker` runs."
            ),
        )

        parser.add_argument(
            "--no-demo",
            action="store_true",
            help=(
                "Do not load the demo leads into an empty database (they are loaded only "
                "when it has no conversation; `manage.py seed_demo` loads them any time)."
            ),
        )

    def handle(self, *args, addrport, no_worker, no_demo, **options):
        if not settings.DEBUG:
            raise CommandError("devserver is for local use; it refuses to run with DEBUG off.")
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo and not self._load_demo_data():
            return  # Ctrl-C while loading it
        self._ensure_demo_admin(addrport)
        self._ensure_webhook_secret(addrport)
        # A closed terminal stops the children too, as Ctrl-C and SIGTERM do.
        signal.signal(signal.SIGHUP, lambda *args: sys.exit(129))
        children = []
        try:
            worker = None
            if not no_worker:
                self.stdout.write("Starting the task worker (manage.py db_worker).")
                worker = self._start(children, *WORKER_COMMAND)
            # runserver (daphne's: HTTP and websockets) with its autoreloader.
            server = self._start(children, "runserver", addrport)
            self._watch(children, server, worker)
        except KeyboardInterrupt:
            pass  # Ctrl-C: this process stops its children below, quietly
        finally:
            for child in reversed(children):
                self._stop(child)

    def _watch(self, children, server, worker) -> None:
        """Until runserver exits: a worker that died is started again, and the terminal says
        so (without a worker no reply is sent and the back office says "Replies paused")."""
        last_start = time.monotonic()
        while server.poll() is None:
            time.sleep(WATCH_SECONDS)
            if worker is None or worker.poll() is None:
                continue
            wait = RESTART_BACKOFF_SECONDS - (time.monotonic() - last_start)
            if wait > 0:
                time.sleep(wait)
            self.stdout.write(
                self.style.WARNING(
                    f"The task worker stopped (exit code {worker.returncode}); "
                    "restarting it (manage.py db_worker)."
                )
            )
            self._stop(worker)  # what is left of its group (an autoreloader's child)
            children.remove(worker)
            worker = self._start(children, *WORKER_COMMAND)
            last_start = time.monotonic()

    def _ensure_demo_admin(self, addrport: str) -> None:
        User = get_user_model()
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user, _ = create_staff_user(
                username=DEMO_USERNAME, role="admin", password=DEMO_PASSWORD
            )
        url = local_url(addrport, "/admin/")
        if user.check_password(DEMO_PASSWORD):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Back office: {url}  (user {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r})"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Back office: {url}"))

    def _load_demo_data(self) -> bool:
        """Demo leads in an empty database, so that a newcomer's admin is not an empty list.

        Its per-message log lines (replies, sends) are held back: they would bury the
        login line. False when Ctrl-C stopped it.
        """
        if Conversation.objects.exists():
            return True
        if settings.WHATSAPP_TRANSPORT != "console":
            self.stdout.write("Empty database: no demo leads with the graph transport.")
            return True
        self.stdout.write("Empty database: loading demo leads (skip with --no-demo)…")
        logging.disable(logging.INFO)
        try:
            call_command("seed_demo", stdout=self.stdout)
        except KeyboardInterrupt:
            self.stdout.write(
                "Stopped while loading the demo leads; `manage.py seed_demo` ends it."
            )
            return False
        finally:
            logging.disable(logging.NOTSET)
        return True

    def _ensure_webhook_secret(self, addrport: str) -> None:
        """Without a secret the webhook refuses everything (503), the simulator's posts too:
        the children get a random one for this run. Production never runs devserver."""
        simulator = local_url(addrport, "/simulator/")
        if settings.WHATSAPP_APP_SECRET:
            self.stdout.write(f"WhatsApp simulator: {simulator}")
            return
        os.environ["WHATSAPP_APP_SECRET"] = secrets.token_hex(32)
        self.stdout.write(
            f"WhatsApp simulator: {simulator}  (WHATSAPP_APP_SECRET is not set: webhooks are "
            "checked against a random secret made for this run; set it to post your own)"
        )

    def _start(self, children: list[subprocess.Popen], *command: str) -> subprocess.Popen:
        """`manage.py COMMAND` in its own process group, added to `children`.

        The terminal's Ctrl-C then reaches only this process, which stops each child (and
        its autoreloader's child) itself: an interrupt landing in a Python that is still
        starting up would print an import traceback. A Ctrl-C that comes while the child is
        being started waits until it is listed, so that it is stopped too, not left running
        in its own group.
        """
        with _interrupt_deferred():
            child = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
                [sys.executable, str(settings.BASE_DIR / "manage.py"), *command],
                process_group=0,
            )
            children.append(child)
        return child

    def _stop(self, child: subprocess.Popen) -> None:
        """SIGTERM to the child's group (Python exits quietly on it), then SIGKILL."""
        try:
            os.killpg(child.pid, signal.SIGTERM)
            child.wait(timeout=CHILD_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            child.wait()
            return
        # Whatever of the group is left (a reloader's child) goes with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


@contextlib.contextmanager
def _interrupt_deferred():
    """SIGINT inside the block is raised as KeyboardInterrupt when the block is done."""
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
