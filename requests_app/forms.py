"""Forms of the request pages: they parse; requests_app.services decides."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from requests_app.models import SubjectRequest


def _country_choices():
    return [("", "—"), *list(countries)]


class PortalRequestForm(forms.Form):
    """A signed-in person's request: who they are is known from their account."""

    type = forms.ChoiceField(label=_("What would you like us to do?"), choices=SubjectRequest.Type.choices)
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For a correction, say what is wrong and what it should be; for a complaint or question, tell us."),
    )


class PublicRequestForm(PortalRequestForm):
    """Anyone's request: we email a link to the address given before acting on it."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email address"), max_length=254)
    country = forms.ChoiceField(label=_("Country you live in"), choices=_country_choices, required=False)

    field_order = ["type", "name", "email", "country", "details"]
