from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BannerConfig(AppConfig):
    name = "consent.banner"
    label = "banner"
    verbose_name = _("Cookie banner")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from consent.banner import signals

        user_logged_in.connect(signals.visitor_merge_at_login, dispatch_uid="banner.visitor_merge_at_login")
        user_logged_out.connect(signals.visitor_forget_at_logout, dispatch_uid="banner.visitor_forget_at_logout")
