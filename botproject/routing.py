"""Websocket routes, the Channels counterpart of `urls.py`."""

from django.urls import path

from conversations.consumers import DashboardConsumer

websocket_urlpatterns: list = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
]
