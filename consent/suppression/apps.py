from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppressionConfig(AppConfig):
    name = "consent.suppression"
    label = "suppression"
    verbose_name = _("Suppression")
