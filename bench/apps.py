"""The project's ASGI and WSGI apps wrapped for servers with no switch of their own that puts
the proxy's client address in REMOTE_ADDR.

Render's proxy tells the client address in X-Forwarded-For; the login throttle reads it from
REMOTE_ADDR, so every server compared must trust those headers as daphne's `--proxy-headers`
and uvicorn's `forwarded_allow_ips` do. Gunicorn's own workers (sync, gthread, asgi) only take
the scheme from them, granian and hypercorn ship the fix as wrappers around the app; the bench
checks through `/bench/client/` that each server ends up trusting them. (Django reads
X-Forwarded-Proto itself, through SECURE_PROXY_SSL_HEADER, whatever the server.)

Each is a factory the server calls (`bench.apps:hypercorn_asgi()`, granian's `--factory`), so
a server imports only its own wrapper: the gunicorn rows run without hypercorn installed.
"""


def granian_asgi():
    """Django's ASGI handler: production's bridge to WSGI (botproject/wsgi_bridge.py) needs a
    coroutine from `receive`, and granian's returns a future."""
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    # Every peer trusted, as production's gunicorn_conf.py does: only Render's proxy reaches it.
    return wrap_asgi_with_proxy_headers(django_asgi(), trusted_hosts="*")


def proxied_wsgi():
    """A WSGI wrapper of a dozen lines (granian's), for granian's WSGI interface and gunicorn's."""
    from granian.utils.proxies import wrap_wsgi_with_proxy_headers

    from botproject.wsgi import application

    return wrap_wsgi_with_proxy_headers(application, trusted_hosts="*")


def gunicorn_asgi():
    """The middleware the uvicorn worker applies itself, for gunicorn's own ASGI worker."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from botproject.asgi import application

    return ProxyHeadersMiddleware(application, trusted_hosts="*")


def hypercorn_asgi():
    from hypercorn.middleware import ProxyFixMiddleware

    from botproject.asgi import application

    # Render's proxy is one hop in front of the server.
    return ProxyFixMiddleware(application, mode="legacy", trusted_hops=1)


def django_asgi():
    """The project's ASGI app with HTTP through Django's own ASGI handler, as production (and
    daphne's row) served it before botproject/asgi.py bridged HTTP to the WSGI handler."""
    from channels.routing import ProtocolTypeRouter
    from django.core.asgi import get_asgi_application

    from botproject.asgi import django_application

    websocket = django_application.application_mapping["websocket"]
    return ProtocolTypeRouter({"http": get_asgi_application(), "websocket": websocket})
