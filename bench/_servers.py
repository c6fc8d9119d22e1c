"""The web servers the benchmarks compare: how each is started, and what CPU its processes used.

Every server binds 127.0.0.1 only, serves the project's own ASGI or WSGI app with the bench's
settings, and trusts the X-Forwarded-* headers of Render's proxy (as daphne --proxy-headers
does today). Multi-process servers get `workers` processes; CPU is read for the whole process
tree (master and workers), since a master that only supervises still takes its share.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Production's gunicorn settings: the "uvicorn" row runs the web service exactly as render.yaml.
GUNICORN_CONF = ROOT / "botproject" / "gunicorn_conf.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ASGI_APP = "botproject.asgi:application"


@dataclass(frozen=True)
class Server:
    name: str
    description: str
    multi_process: bool  # False: one process whatever `workers` says (daphne)


SERVERS = {
    server.name: server
    for server in (
        Server(
            "daphne", "daphne --proxy-headers, 1 process, Django's ASGI handler (before)", False
        ),
        Server(
            "uvicorn",
            "production: gunicorn_conf.py, uvicorn workers, the webhook POST in the event loop, "
            "other HTTP to Django's WSGI on a thread (botproject/wsgi_bridge.py)",
            True,
        ),
        Server("uvicorn-view", "as uvicorn, the webhook POST through Django's view too", True),
        Server("gunicorn-asgi", "gunicorn -k asgi, gunicorn's own asyncio worker", True),
        Server("sync", "gunicorn sync workers, WSGI", True),
        Server("gthread", "gunicorn gthread workers, WSGI", True),
        Server("granian", "granian, ASGI interface (no lifespan), Django's ASGI handler", True),
        Server("granian-wsgi", "granian, WSGI interface", True),
        Server("hypercorn", "hypercorn -k uvloop, ASGI", True),
        Server("uvicorn-asgi", "as uvicorn, HTTP through Django's ASGI handler", True),
    )
}


def default_workers() -> int:
    """WEB_CONCURRENCY as Render and gunicorn read it, else one process per core."""
    return int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)


def gunicorn(worker_options: list[str], app: str, port: int, workers: int) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        *worker_options,
        "--forwarded-allow-ips=*",
        # Its default path is one per user, shared by every gunicorn on the machine.
        "--no-control-socket",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        app,
    ]


def command(name: str, port: int, workers: int, threads: int = 4) -> list[str]:
    """The command line that starts server `name` on 127.0.0.1:`port`."""
    if name == "daphne":
        # As production ran before gunicorn: Django's ASGI handler serving HTTP.
        daphne = ["-m", "daphne", "--proxy-headers", "-b", "127.0.0.1", "-p"]
        return [sys.executable, *daphne, str(port), "bench.asgi_before:application"]
    if name == "uvicorn":
        return gunicorn(["-c", str(GUNICORN_CONF)], ASGI_APP, port, workers)
    if name == "uvicorn-view":
        app = "botproject.asgi:django_application"
        return gunicorn(["-c", str(GUNICORN_CONF)], app, port, workers)
    if name == "uvicorn-asgi":
        return gunicorn(["-c", str(GUNICORN_CONF)], "bench.apps:django_asgi()", port, workers)
    if name == "gunicorn-asgi":
        return gunicorn(["-k", "asgi"], "bench.apps:gunicorn_asgi()", port, workers)
    if name == "sync":
        return gunicorn(["-k", "sync"], "bench.apps:proxied_wsgi()", port, workers)
    if name == "gthread":
        threaded = ["-k", "gthread", "--threads", str(threads)]
        return gunicorn(threaded, "bench.apps:proxied_wsgi()", port, workers)
    if name in ("granian", "granian-wsgi"):
        asgi = name == "granian"
        interface, app = ("asginl", "granian_asgi") if asgi else ("wsgi", "proxied_wsgi")
        options = f"--interface {interface} --factory --host 127.0.0.1 --workers {workers}".split()
        return [str(BIN / "granian"), *options, "--port", str(port), f"bench.apps:{app}"]
    if name == "hypercorn":
        options = f"-k uvloop -w {workers} -b 127.0.0.1:{port}".split()
        return [str(BIN / "hypercorn"), *options, "bench.apps:hypercorn_asgi()"]
    raise ValueError(f"unknown server {name!r}; known: {', '.join(SERVERS)}")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 once it is gone)."""
    stat = _stat(pid)
    return stat[1] if stat else 0.0


def tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of `root` and every process below it (a server's master and workers)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = stat
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    tree, pending = {}, [root]
    while pending:
        pid = pending.pop()
        if pid in stats:
            tree[pid] = stats[pid][1]
            pending.extend(children.get(pid, []))
    return tree


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the processes spent between two readings (a new process counts from 0)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
