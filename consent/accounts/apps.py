from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "consent.accounts"
    label = "accounts"
    verbose_name = _("Accounts and subjects")

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from consent.accounts import signals

        post_migrate.connect(signals.after_migrate, dispatch_uid="accounts.after_migrate")
        checks.register(signals.identity_key_check, checks.Tags.database)
