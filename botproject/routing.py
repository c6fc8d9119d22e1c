"""Websocket routes, the Channels counterpart of `urls.py`."""

websocket_urlpatterns: list = []
