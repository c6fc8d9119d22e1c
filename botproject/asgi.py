"""ASGI entry point: HTTP through Django's WSGI handler on a thread pool, websockets through
Channels.

Production serves it with a gunicorn master and uvicorn workers (botproject/gunicorn_conf.py):
several processes, each taking HTTP and websockets on the one port Render gives. A dashboard's
socket may sit in any of them, so live events reach it through the Redis channel layer.
Locally `manage.py devserver` serves it with daphne's runserver.

Why HTTP does not go through Django's own ASGI handler: every view here is synchronous, and
that handler crosses to a worker thread and back several times per request (the request
signals, the response's close, a task listening for disconnects). Measured with
bench/webhook_ingest.py under the same uvicorn workers, it cost about twice the CPU of Django's
WSGI handler run on a thread pool, and a2wsgi's bridge to it crossed for every part of the
response; botproject/wsgi_bridge.py crosses once each way. The thread pool is
sized to the process's database pool (WEB_HTTP_THREADS), so a request never waits on a
connection while holding a thread. Meta's webhook POST, most of the traffic, does not cross
at all: webhooks/asgi.py answers it in the event loop.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "botproject.settings")

# Django must be set up before anything imports models (the websocket routes do).
django_wsgi_app = get_wsgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from botproject.routing import websocket_urlpatterns  # noqa: E402
from botproject.wsgi_bridge import WSGIBridge  # noqa: E402
from webhooks.asgi import WebhookEndpoint  # noqa: E402

# Everything through Django; the bench's `uvicorn-view` row serves this one.
django_application = ProtocolTypeRouter(
    {
        "http": WSGIBridge(django_wsgi_app, threads=settings.WEB_HTTP_THREADS),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Meta's webhook POST answered in the event loop, before Django (webhooks/asgi.py).
application = WebhookEndpoint(django_application, reverse("webhooks:whatsapp"))
