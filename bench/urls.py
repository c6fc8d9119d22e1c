"""The project's URLs plus `/bench/bare/`, a view that does nothing but answer 200."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from botproject.urls import urlpatterns as project_urlpatterns


@csrf_exempt
def bare(request):
    return HttpResponse(b'{"status":"ok"}', content_type="application/json")


urlpatterns = [path("bench/bare/", bare), *project_urlpatterns]
