"""The dashboard's websocket: staff only, live events, and catching up after a reconnect."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from conversations.services.live import (
    GROUP,
    event_ids_between,
    events_after,
    latest_event_id,
)

# Closed with this code when the user may not see the back office (like HTTP 403).
FORBIDDEN = 4403
# A client further behind than this reloads the page instead of replaying events.
CATCH_UP_LIMIT = 500
# Ids remembered per connection, so an event pushed and also polled is sent once.
SEEN_IDS = 2000
# How far behind the newest id a poll looks: a transaction that took an id earlier may
# commit after a later one.
POLL_LOOKBACK = 50


@database_sync_to_async
def may_watch(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("conversations.view_conversation")
    )


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Joins the `dashboard` group; `?since=<event id>` replays what the client missed."""

    async def connect(self):
        if not await may_watch(self.scope.get("user")):
            await self.close(code=FORBIDDEN)
            return
        self.seen: deque[int] = deque(maxlen=SEEN_IDS)
        self.poll_task = None
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        since = _as_int(query.get("since", [""])[0])
        if since is None:
            self.last_id = await database_sync_to_async(latest_event_id)()
        else:
            self.last_id = since
            await self.catch_up()
        # What the screen already shows must not come back through the poll's look-behind.
        self.seen.extend(
            await database_sync_to_async(event_ids_between)(
                max(0, self.last_id - POLL_LOOKBACK), self.last_id
            )
        )
        if settings.LIVE_EVENTS_POLL_SECONDS > 0:
            self.poll_task = asyncio.create_task(self.poll(settings.LIVE_EVENTS_POLL_SECONDS))

    async def disconnect(self, code):
        if getattr(self, "poll_task", None) is not None:
            self.poll_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.poll_task
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def catch_up(self) -> None:
        missed = await database_sync_to_async(events_after)(self.last_id, limit=CATCH_UP_LIMIT + 1)
        if len(missed) > CATCH_UP_LIMIT:
            await self.send_json({"kind": "resync"})
            self.last_id = missed[-1]["id"]
            return
        for event in missed:
            await self.forward(event)

    async def poll(self, interval: float) -> None:
        """Without Redis, the worker's events only reach us through the table."""
        while True:
            await asyncio.sleep(interval)
            since = max(0, self.last_id - POLL_LOOKBACK)
            for event in await database_sync_to_async(events_after)(since):
                await self.forward(event)

    async def live_event(self, message):
        await self.forward(message["event"])

    async def forward(self, event: dict) -> None:
        if event["id"] in self.seen:
            return
        self.seen.append(event["id"])
        self.last_id = max(self.last_id, event["id"])
        await self.send_json(event)


def _as_int(value: str) -> int | None:
    try:
        return max(0, int(value))
    except ValueError:
        return None
