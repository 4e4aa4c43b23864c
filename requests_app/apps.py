from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = _("Subject requests")

    def ready(self):
        from consent.accounts.scope import subject_scope_register
        from consent.accounts.search import reference_resolver_register
        from requests_app.erasure import erasure_cleaner_register
        from requests_app.selectors import office_subjects_scope
        from requests_app.services import request_contact_data_purge

        # Representatives see their office's people only (consent.accounts.scope).
        subject_scope_register(office_subjects_scope)
        # Erasing a person blanks the contact data and free text of their requests too.
        erasure_cleaner_register(request_contact_data_purge, name="subject requests")
        # The back office's one search box finds a person by a request reference too.
        reference_resolver_register(
            "SR-", lambda queryset, term: queryset.filter(subject_requests__reference=term.strip().upper())
        )
