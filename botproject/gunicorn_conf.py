"""How production serves the ASGI app: a gunicorn master and N uvicorn worker processes.

`gunicorn -c botproject/gunicorn_conf.py botproject.asgi:application` (render.yaml's start
command). One daphne process spent most of the machine on the server itself; gunicorn forks
WEB_CONCURRENCY uvicorn workers that share Render's one port, each serving HTTP and
websockets together (a dashboard's socket may be held by any of them: the Redis channel
layer carries live events to all). Figures are in bench/.

Gunicorn reads its own settings from this file, so WEB_CONCURRENCY and PORT are read from the
environment here, as gunicorn itself does; everything the Django app reads stays in
botproject/settings.py. Command-line flags and GUNICORN_CMD_ARGS still override these.
"""

import os

from uvicorn_worker import UvicornWorker


class ProductionUvicornWorker(UvicornWorker):
    """uvicorn with the fast parts named outright, so a missing extra fails at start-up
    instead of silently falling back to the pure-Python loop and parser ("auto" would)."""

    CONFIG_KWARGS = {
        "loop": "uvloop",
        "http": "httptools",
        # uvicorn's current websockets implementation ("websockets" is the deprecated one).
        "ws": "websockets-sansio",
        # Django's ASGI handler has no lifespan protocol; "auto" would log that it failed.
        "lifespan": "off",
        # Daphne's --proxy-headers, kept: the client address and https come from Render's
        # X-Forwarded-For / X-Forwarded-Proto (which peers to trust: forwarded_allow_ips).
        "proxy_headers": True,
        # uvicorn stops waiting for open requests a little before gunicorn's own
        # graceful_timeout, so a worker exits by itself and logs it instead of being killed.
        "timeout_graceful_shutdown": 20,
    }


worker_class = ProductionUvicornWorker

# One process per core by default (the cores this process may run on). On Render set
# WEB_CONCURRENCY (render.yaml does): a container sees the host's cores, not its plan's
# share, and every worker holds its own Django, memory and database pool.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.process_cpu_count() or 1)

# Render's proxy reaches the service on 0.0.0.0:$PORT; 8000 locally, as runserver.
bind = f"0.0.0.0:{os.environ.get('PORT') or 8000}"

# Only Render's proxy can reach $PORT, from addresses of its internal network that are not
# published, so every peer is trusted for X-Forwarded-*, exactly as daphne's --proxy-headers.
forwarded_allow_ips = "*"

# Idle keep-alive connections are closed after this many seconds. Behind a proxy that reuses
# its upstream connections, the server must outlast the proxy's own idle timeout (commonly
# 60 s; Render does not publish its value), or a request sent on a connection the server is
# just closing fails with a 502. Idle connections cost uvicorn almost nothing.
keepalive = 75

# SIGTERM (Render stops the old instance of a deploy with it and kills it after
# maxShutdownDelaySeconds, 30 s by default): stop accepting, finish what was accepted
# (every webhook answered 200 is already committed), then exit. Below Render's 30 s.
graceful_timeout = 25

# A worker whose event loop has not ticked for this long is stuck and replaced. Django's
# sync views run in a thread, so a slow request never blocks the loop itself.
timeout = 30

# No preloading: each worker imports Django after the fork, so the psycopg pool, Redis
# connections and event loops are created in the process that uses them.
preload_app = False

# No gunicornc control socket: nothing here uses it, and its one default path per user
# ($HOME/.gunicorn/gunicorn.ctl) would be shared by every gunicorn on a machine (tests, bench).
control_socket_disable = True

# Access lines on stdout and gunicorn's own messages on stderr, as daphne printed them; Render
# shows both in the service's logs.
accesslog = "-"
errorlog = "-"
