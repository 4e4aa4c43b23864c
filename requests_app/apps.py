from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = _("Subject requests")

    def ready(self):
        from consent.accounts.scope import subject_scope_register
        from requests_app.selectors import office_subjects_scope

        # Representatives see their office's people only (consent.accounts.scope).
        subject_scope_register(office_subjects_scope)
