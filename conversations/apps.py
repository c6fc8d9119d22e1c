from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from conversations.stats_view import create_stats_view, drop_stats_view

        # Sent once per app: this app's signal is enough (see conversations/stats_view.py).
        pre_migrate.connect(drop_stats_view, sender=self, dispatch_uid="conversations.stats_drop")
        post_migrate.connect(
            create_stats_view, sender=self, dispatch_uid="conversations.stats_create"
        )
