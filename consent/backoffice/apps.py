from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "consent.backoffice"
    label = "backoffice"
    verbose_name = _("Back office")


# Subclassed through its module: a class imported by name here would count as one of this
# module's app configs when Django picks the default for consent.backoffice.
class BackOfficeAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the back office's site as `admin.site` (INSTALLED_APPS names this
    instead of django.contrib.admin): every app's `@admin.register` lands on a site that
    asks staff for a second factor. Not this module's default config (`default = False`)."""

    default = False
    default_site = "consent.backoffice.sites.BackOfficeAdminSite"
