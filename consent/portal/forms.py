"""The portal's forms: they parse and check input; the services decide and write."""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from consent.accounts.identity import InvalidIdentifier, canonical_email, canonical_phone
from consent.accounts.models import User
from consent.ledger.models import Channel, ConsentEvent, Purpose
from consent.portal.services import MINIMUM_AGE, password_reset_email_queue


def _country_choices():
    return [("", "—"), *list(countries)]


class EmailField(forms.CharField):
    """An address in its canonical form (identity.canonical_email), or a clear error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.widget.input_type = "email"
        self.widget.attrs.setdefault("autocomplete", "email")

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return canonical_email(value)
        except InvalidIdentifier as exc:
            raise forms.ValidationError(str(exc)) from None


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("In international format, e.g. +46 70 123 45 67."))
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.setdefault("autocomplete", "tel")

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        try:
            return canonical_phone(value)
        except InvalidIdentifier as exc:
            raise forms.ValidationError(str(exc)) from None


class ProfileFieldsMixin(forms.Form):
    """The personal fields registration asks for and the profile page edits."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    phone = PhoneField(label=_("Phone"))
    street_address = forms.CharField(label=_("Street address"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices)
    language = forms.ChoiceField(
        label=_("Language for our emails"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )
    occupation = forms.CharField(label=_("Occupation (optional)"), max_length=150, required=False)

    autocomplete = {
        "first_name": "given-name",
        "last_name": "family-name",
        "street_address": "street-address",
        "postal_code": "postal-code",
        "city": "address-level2",
        "country": "country",
        "occupation": "organization-title",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, token in self.autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = token


class RegistrationForm(ProfileFieldsMixin):
    email = EmailField(label=_("Email address"))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    age = forms.IntegerField(
        label=_("Your age"),
        min_value=0,
        max_value=150,
        help_text=_("We ask only to check that you are at least %(age)d; we do not keep it.") % {"age": MINIMUM_AGE},
    )
    marketing_own = forms.MultipleChoiceField(
        label=_("Our own news and offers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    marketing_third_party = forms.MultipleChoiceField(
        label=_("Offers from our partners"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The policy version and the exact text the page showed, sent back with the form.
    policy_version = forms.IntegerField(widget=forms.HiddenInput)
    policy_language = forms.CharField(widget=forms.HiddenInput, max_length=8)
    policy_text_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    field_order = [
        "email",
        "password1",
        "password2",
        "first_name",
        "last_name",
        "age",
        "phone",
        "street_address",
        "postal_code",
        "city",
        "country",
        "language",
        "occupation",
        "marketing_own",
        "marketing_third_party",
    ]

    def __init__(self, *args, own_channels, third_party_channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "username"
        self.fields["marketing_own"].choices = own_channels
        self.fields["marketing_third_party"].choices = third_party_channels
        # Own marketing is an opt-out purpose: on unless the person says no, as the policy says.
        # Partners' marketing is opt-in: never ticked for them.
        self.fields["marketing_own"].initial = [value for value, _label in own_channels]
        self.fields["marketing_third_party"].initial = []

    def age_refused(self) -> bool:
        """True when the person gave a valid age under the minimum, whatever else is wrong."""
        age = self.cleaned_data.get("age") if hasattr(self, "cleaned_data") else None
        return age is not None and age < MINIMUM_AGE

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1 and not self.age_refused():
            candidate = User(
                email=cleaned.get("email") or "",
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(ProfileFieldsMixin):
    email = EmailField(
        label=_("Email address"),
        help_text=_("A new address takes effect once you follow the link we send to it."),
    )

    field_order = ["email", "first_name", "last_name", "phone", "street_address", "postal_code", "city", "country"]


class ChoiceChangeForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.Code.choices)
    channel = forms.ChoiceField(choices=[("", ""), *Channel.choices], required=False)
    decision = forms.ChoiceField(choices=ConsentEvent.Decision.choices)


class PasswordCompromiseForm(forms.Form):
    note = forms.CharField(
        label=_("Anything we should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example, when you noticed something wrong. Do not write your password here."),
    )


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form; the address is matched case-insensitively (canonical form)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget.attrs["autocomplete"] = "username"


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending through the outbox in the person's language."""

    def clean_email(self):
        raw = self.cleaned_data["email"]
        try:
            return canonical_email(raw)
        except InvalidIdentifier:
            return raw

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        password_reset_email_queue(user=context["user"])
