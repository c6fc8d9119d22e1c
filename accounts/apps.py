from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _is_last_app_with_models(app_config) -> bool:
    """post_migrate is sent once per app with models: the last one means migrate is done."""
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    return app_config is with_models[-1]


def _sync_roles_after_last_app(sender, app_config, using="default", **kwargs):
    # Permissions are created app by app after `migrate`; only once the last app has had
    # its turn do all of them exist, so the role groups are synced then.
    if not _is_last_app_with_models(app_config):
        return
    from accounts.roles import sync_role_groups

    sync_role_groups(apps)


def _secure_tables_after_last_app(sender, app_config, using="default", **kwargs):
    # Tables added by later migrations get Row Level Security and lose the Data API
    # roles' grants here; the accounts 0002 migration only covered the tables of its time.
    if not _is_last_app_with_models(app_config):
        return
    from django.db import connections

    from accounts.database_security import secure_public_tables

    secure_public_tables(connections[using])


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff accounts"

    def ready(self):
        from accounts import signals  # noqa: F401  (audit rows for logins and role changes)

        post_migrate.connect(_sync_roles_after_last_app, dispatch_uid="accounts.sync_role_groups")
        post_migrate.connect(
            _secure_tables_after_last_app, dispatch_uid="accounts.secure_public_tables"
        )
