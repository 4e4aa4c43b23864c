"""The portal's sections, in the order of its navigation. A new section (subject
requests' "My requests", …) adds its URL name and label here."""

from django.utils.translation import gettext_lazy as _

PORTAL_SECTIONS: list[tuple[str, str]] = [
    ("portal:overview", _("Overview")),
    ("portal:profile", _("My details")),
    ("portal:choices", _("My choices")),
    ("portal:history", _("History and receipts")),
    ("portal:requests", _("My requests")),
    ("portal:policy", _("Privacy policy")),
    ("portal:security", _("Security")),
]
