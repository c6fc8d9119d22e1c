from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles_after_last_app(sender, app_config, using="default", **kwargs):
    # Permissions are created app by app after `migrate`; only once the last app has had
    # its turn do all of them exist, so the role groups are synced then.
    if app_config is not list(apps.get_app_configs())[-1]:
        return
    from accounts.roles import sync_role_groups

    sync_role_groups(apps)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff accounts"

    def ready(self):
        post_migrate.connect(_sync_roles_after_last_app, dispatch_uid="accounts.sync_role_groups")
