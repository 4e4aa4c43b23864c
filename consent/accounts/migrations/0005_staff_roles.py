from django.db import migrations

from consent.accounts.roles import ROLE_PERMISSIONS, roles_sync


def roles_create(apps, schema_editor):
    # The lists live in consent/accounts/roles.py (one source of truth). On a fresh database
    # Django has not created any permission yet at this point: the groups are made now, and the
    # post-migrate sync that ends the same `migrate` gives them their permissions.
    roles_sync(apps=apps)


def roles_remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    """The staff roles (customer representative, privacy officer, marketing, auditor) as groups."""

    dependencies = [
        ("accounts", "0004_data_access_log"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(roles_create, roles_remove)]
