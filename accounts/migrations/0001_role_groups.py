"""Create the Admin, Agent and Viewer groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import ROLE_GROUPS, sync_role_groups


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so the
    # groups get theirs on the first `migrate` of a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


def delete_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS.values()).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("conversations", "0001_initial"),
        ("profiles", "0001_initial"),
        ("webhooks", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups, delete_role_groups)]
