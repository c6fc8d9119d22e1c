"""Conversations' activity clocks, set from their imported messages at the end of an import."""

from __future__ import annotations

from functools import cache

from django.db import connection

from conversations.models import Conversation, Direction, Message


def settle_conversation_clocks(first_pk: int, last_pk: int) -> None:
    """For the conversations with ids in [first_pk, last_pk] and imported messages:
    created_at only moves earlier (to the first message), last_message_at and
    last_inbound_at only later, so a re-run, or a webhook's newer message, is respected."""
    with connection.cursor() as cursor:
        cursor.execute(_settle_clocks_sql(connection.vendor), (Direction.IN, first_pk, last_pk))


@cache  # built once per backend (its quoting), the first time an import ends
def _settle_clocks_sql(vendor: str) -> str:
    """One set-based UPDATE ... FROM (aggregate) that SQLite and PostgreSQL both run.

    The per-row alternative, bulk_update, builds a CASE per object in Python and took
    seconds per thousand conversations.
    """
    quote = connection.ops.quote_name
    conversation = quote(Conversation._meta.db_table)

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    created = column(Conversation, "created_at")
    last = column(Conversation, "last_message_at")
    last_in = column(Conversation, "last_inbound_at")
    timestamp = column(Message, "timestamp")
    thread = column(Message, "conversation")
    return f"""
        UPDATE {conversation} SET
            {created} = CASE WHEN times.first_at < {conversation}.{created}
                THEN times.first_at ELSE {conversation}.{created} END,
            {last} = CASE WHEN {conversation}.{last} IS NULL
                    OR {conversation}.{last} < times.last_at
                THEN times.last_at ELSE {conversation}.{last} END,
            {last_in} = CASE WHEN {conversation}.{last_in} IS NULL
                    OR {conversation}.{last_in} < times.last_in_at
                THEN times.last_in_at ELSE {conversation}.{last_in} END
        FROM (
            SELECT {thread} AS conversation_id,
                   MIN({timestamp}) AS first_at,
                   MAX({timestamp}) AS last_at,
                   MAX(CASE WHEN {column(Message, "direction")} = %s THEN {timestamp} END)
                       AS last_in_at
            FROM {quote(Message._meta.db_table)}
            WHERE {column(Message, "legacy_id")} IS NOT NULL AND {thread} BETWEEN %s AND %s
            GROUP BY {thread}
        ) AS times
        WHERE {conversation}.{quote(Conversation._meta.pk.column)} = times.conversation_id
          AND (times.first_at < {conversation}.{created}
               OR {conversation}.{last} IS NULL OR {conversation}.{last} < times.last_at
               OR times.last_in_at > {conversation}.{last_in}
               OR ({conversation}.{last_in} IS NULL AND times.last_in_at IS NOT NULL))
    """  # noqa: S608 - identifiers from the models' metadata, quoted; values are parameters
