from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from consent.accounts.roles import roles_sync
from consent.accounts.services import identity_key_verify


def after_migrate(app_config, **_kwargs) -> None:
    # post_migrate is sent once per app; wait for the last so every app's
    # permissions exist before the roles are given theirs.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if app_config is not last:
        return
    identity_key_verify()
    roles_sync()


def identity_key_check(app_configs=None, databases=None, **_kwargs) -> list[checks.CheckMessage]:
    if not databases:
        return []
    try:
        identity_key_verify()
    except ImproperlyConfigured as exc:
        return [checks.Critical(str(exc), id="accounts.E001")]
    return []
