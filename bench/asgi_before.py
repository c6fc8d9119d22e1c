"""Module-level ASGI app for servers that cannot call a factory (daphne): HTTP through Django's
ASGI handler, as production ran before botproject/asgi.py (see bench.apps.django_asgi)."""

from bench.apps import django_asgi

application = django_asgi()
