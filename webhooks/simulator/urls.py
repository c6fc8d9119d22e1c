"""The simulator's routes (`/simulator/`), each behind the on/off switch, the login and the role."""

from django.urls import path

from webhooks.simulator import views
from webhooks.simulator.access import simulator_view

urlpatterns = [
    path("", simulator_view(views.simulator_page), name="simulator"),
    path("sign/", simulator_view(views.sign_webhook), name="simulator-sign"),
    path("thread/", simulator_view(views.thread), name="simulator-thread"),
]
