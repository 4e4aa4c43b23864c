from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "consent.notices"
    verbose_name = _("Policy change notices")

    def ready(self):
        # Publishing is the policies app's; announcing a material change is this app's.
        from consent.notices import signals
        from consent.policies.services import policy_version_published

        policy_version_published.connect(signals.notice_run_on_publish, dispatch_uid="notices.notice_run_on_publish")
