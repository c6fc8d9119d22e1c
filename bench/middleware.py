"""The middleware production had while Django's ASGI handler served HTTP, kept for the bench's
baseline rows (daphne as it ran before, and the other servers of Django's ASGI handler).

Under ASGI Django builds the middleware chain async, and each sync hook of its middleware
then crosses to a worker thread and back, about 17 crossings per request. A sync-only
middleware placed last makes Django build the chain sync, so a request crosses once. Since
botproject/asgi.py hands HTTP to Django's WSGI handler, production no longer needs it; under
WSGI it is one more function call.
"""

from django.utils.decorators import sync_only_middleware


@sync_only_middleware
class OneThreadPerRequest:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
