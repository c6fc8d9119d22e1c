"""Cursor pages: stable while new messages keep arriving, unlike page numbers."""

from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """Messages, newest first (the thread's own index: conversation, -timestamp, -id)."""

    ordering = ("-timestamp", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class RecentlyUpdatedFirst(NewestFirst):
    ordering = ("-updated_at", "-id")
