"""The project's URLs plus two bench-only views: `/bench/bare/`, which does nothing but answer
200, and `/bench/client/`, which tells what the server made of the proxy's X-Forwarded-* headers."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from botproject.urls import urlpatterns as project_urlpatterns


@csrf_exempt
def bare(request):
    return HttpResponse(b'{"status":"ok"}', content_type="application/json")


def client(request):
    """The client address the login throttle would count, and the scheme Django sees."""
    return HttpResponse(f"{request.META.get('REMOTE_ADDR')} {request.scheme}".encode())


urlpatterns = [path("bench/bare/", bare), path("bench/client/", client), *project_urlpatterns]
