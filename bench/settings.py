"""Benchmark settings: the production settings plus the bench's own URLs (a bare view to
measure against), and the middleware that made Django's ASGI handler cross threads once per
request, so the rows serving HTTP through that handler measure it as production ran it."""

from botproject.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = [*MIDDLEWARE, "bench.middleware.OneThreadPerRequest"]  # noqa: F405
