"""Registration, email verification and Django's auth views, translated and rate-limited.

Public forms are limited to PUBLIC_FORM_RATE posts per client IP (django-ratelimit, in the
cache); django-axes also locks an address out after AXES_FAILURE_LIMIT failed logins."""

from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django_ratelimit.decorators import ratelimit

from consent.api.limits import client_ip_key, public_form_rate
from consent.ledger.models import Purpose
from consent.ledger.selectors import purpose_get
from consent.policies.selectors import policy_country_normalise, policy_language_active
from consent.portal import services
from consent.portal.forms import EmailAuthenticationForm, OutboxPasswordResetForm, RegistrationForm
from consent.portal.selectors import channel_choices, privacy_policy_shown
from consent.portal.views import request_context


def public_form_limit(group: str):
    """At most PUBLIC_FORM_RATE POSTs per client IP to this form; more get the 429 page."""
    return ratelimit(group=f"public-form:{group}", key=client_ip_key, rate=public_form_rate, method="POST", block=True)


def _registration_form(data=None, *, initial=None) -> RegistrationForm:
    return RegistrationForm(
        data,
        initial=initial,
        own_channels=channel_choices(purpose=purpose_get(Purpose.Code.MARKETING_OWN)),
        third_party_channels=channel_choices(purpose=purpose_get(Purpose.Code.MARKETING_THIRD_PARTY)),
    )


def _policy_fields(shown) -> dict:
    return {
        "policy_version": shown.version.pk,
        "policy_language": shown.text["language"],
        "policy_text_hash": shown.text["content_hash"],
    }


@public_form_limit("register")
def register(request):
    language = policy_language_active()
    if request.method != "POST":
        country = policy_country_normalise(request.GET.get("country")) or ""
        shown = privacy_policy_shown(country=country, language=language)
        form = _registration_form(
            initial={"country": country, "language": language, **(_policy_fields(shown) if shown else {})}
        )
        return _register_page(request, form, shown)

    form = _registration_form(request.POST)
    valid = form.is_valid()
    if form.age_refused():
        # Nothing about the attempt is kept: no row, no session, no message, no log line.
        return render(request, "portal/accounts/register_refused.html", {"minimum_age": services.MINIMUM_AGE})
    country = policy_country_normalise(request.POST.get("country")) or ""
    shown = privacy_policy_shown(country=country, language=language)
    if not valid:
        # Shown again with the policy the person's country has now; what they read is what they accept.
        data = request.POST.copy()
        for key, value in (_policy_fields(shown) if shown else {}).items():
            data[key] = value
        form = _registration_form(data)
        form.is_valid()
        return _register_page(request, form, shown)
    data = form.cleaned_data
    try:
        services.registration_create(
            email=data["email"],
            password=data["password1"],
            profile={field: data[field] for field in services.PROFILE_FIELDS},
            age=data["age"],
            marketing_own=set(data["marketing_own"]),
            marketing_third_party=set(data["marketing_third_party"]),
            policy_version_id=data["policy_version"],
            policy_language=data["policy_language"],
            policy_text_hash=data["policy_text_hash"],
            context=request_context(request),
        )
    except services.PolicyChanged as exc:
        kept = {k: v for k, v in data.items() if k not in ("password1", "password2")}
        form = _registration_form(initial={**kept, **(_policy_fields(exc.shown) if exc.shown else {})})
        return _register_page(request, form, exc.shown, changed_policy=True)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _register_page(request, form, shown)
    return redirect("register-done")


def _register_page(request, form, shown, *, changed_policy: bool = False):
    return render(
        request,
        "portal/accounts/register.html",
        {"form": form, "shown": shown, "changed_policy": changed_policy, "minimum_age": services.MINIMUM_AGE},
    )


def register_done(request):
    return render(request, "portal/accounts/register_done.html")


def email_verify(request, token: str):
    """GET shows a confirm button (mail scanners follow links; they must not verify), POST verifies."""
    try:
        user = services.email_verification_check(token=token)
        if request.method == "POST":
            user, outcome = services.email_verification_apply(token=token)
            return render(request, "portal/accounts/verify_done.html", {"outcome": outcome, "verified_user": user})
    except services.VerificationLinkInvalid as exc:
        return render(request, "portal/accounts/verify_invalid.html", {"expired": exc.expired}, status=400)
    return render(request, "portal/accounts/verify_confirm.html", {"pending": bool(user.pending_email)})


def password_compromised_done(request):
    return render(request, "portal/accounts/password_compromised_done.html")


login = public_form_limit("login")(
    auth_views.LoginView.as_view(
        template_name="portal/accounts/login.html",
        authentication_form=EmailAuthenticationForm,
        redirect_authenticated_user=True,
    )
)
logout = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(
    template_name="portal/accounts/password_change.html", success_url=reverse_lazy("password_change_done")
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="portal/accounts/password_change_done.html"
)
password_reset = public_form_limit("password-reset")(
    auth_views.PasswordResetView.as_view(
        template_name="portal/accounts/password_reset.html",
        form_class=OutboxPasswordResetForm,
        success_url=reverse_lazy("password_reset_done"),
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="portal/accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="portal/accounts/password_reset_confirm.html", success_url=reverse_lazy("password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="portal/accounts/password_reset_complete.html"
)
