"""The second step of a staff sign-in: give a code, or enrol an authenticator first.

Both pages serve a session that passed the password but not yet the second factor; the
rules (which device accepts a code, what enrolment creates, when a code is a failed
login) live in consent.accounts.second_factor."""

import base64

import segno
from axes.helpers import get_lockout_response
from django import forms
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from consent.accounts.auth import staff_verified
from consent.accounts.second_factor import (
    second_factor_allowed,
    second_factor_failed,
    second_factor_verify,
    staff_second_factor_enrolled,
    totp_device_confirm,
    totp_device_start,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


def awaiting_second_factor(request) -> bool:
    """A signed-in staff session that has not yet passed the second factor."""
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff and not staff_verified(user)


def _next_url(request, site) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index", current_app=site.name)


def _context(request, site, **extra) -> dict:
    return {**site.each_context(request), "next": _next_url(request, site), **extra}


def _locked_out(request, user):
    # The lockout covers this whole sign-in: end the password-only session too.
    credentials = {"username": user.get_username()}
    logout(request)
    return get_lockout_response(request, credentials=credentials)


@never_cache
@csrf_protect
@sensitive_post_parameters("code")
def second_factor(request, site):
    """Ask a signed-in staff member for a code from their authenticator or a backup code."""
    if not awaiting_second_factor(request) or "cancel" in request.POST:
        return _leave(request, site)
    user = request.user
    if not staff_second_factor_enrolled(user=user):
        url = reverse("admin:second_factor_enrol", current_app=site.name)
        return HttpResponseRedirect(f"{url}?{urlencode({'next': _next_url(request, site)})}")
    if not second_factor_allowed(request=request, user=user):
        return _locked_out(request, user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            # A new session key for the raised privilege, as for the password step.
            request.session.cycle_key()
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request, site))
        second_factor_failed(request=request, user=user)
        if not second_factor_allowed(request=request, user=user):
            return _locked_out(request, user)
        form.add_error("code", _("That code is not right, or was used already. Try the current one."))
    context = _context(request, site, form=form, title=_("Second factor"))
    return TemplateResponse(request, "admin/second_factor/verify.html", context)


@never_cache
@csrf_protect
@sensitive_post_parameters("code")
def second_factor_enrol(request, site):
    """A staff member without an authenticator: scan the QR code, confirm with a code,
    and keep the backup codes shown once."""
    if not awaiting_second_factor(request) or "cancel" in request.POST:
        return _leave(request, site)
    user = request.user
    if staff_second_factor_enrolled(user=user):
        url = reverse("admin:second_factor", current_app=site.name)
        return HttpResponseRedirect(f"{url}?{urlencode({'next': _next_url(request, site)})}")
    if not second_factor_allowed(request=request, user=user):
        return _locked_out(request, user)
    device = totp_device_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        backup_codes = totp_device_confirm(device=device, code=form.cleaned_data["code"])
        if backup_codes is not None:
            device.refresh_from_db()
            request.session.cycle_key()
            otp_login(request, device)
            context = _context(request, site, backup_codes=backup_codes, title=_("Your backup codes"))
            return TemplateResponse(request, "admin/second_factor/backup_codes.html", context)
        second_factor_failed(request=request, user=user)
        if not second_factor_allowed(request=request, user=user):
            return _locked_out(request, user)
        form.add_error(
            "code", _("That code is not right. Check the app shows this account, then try the current code.")
        )
    secret = base64.b32encode(device.bin_key).decode()
    # Inline SVG drawn here: no image request, no third party ever sees the secret. segno writes
    # only path data (the address in the URL is encoded as modules, never as text).
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")
    context = _context(
        request,
        site,
        form=form,
        title=_("Set up your second factor"),
        qr_svg=mark_safe(qr_svg),  # noqa: S308
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )
    return TemplateResponse(request, "admin/second_factor/enrol.html", context)


def _leave(request, site) -> HttpResponseRedirect:
    """Nothing to ask: a verified session goes on, anyone else (or a cancel) to the login page."""
    if request.method == "GET" and staff_verified(request.user):
        return HttpResponseRedirect(_next_url(request, site))
    if request.method == "POST" and "cancel" in request.POST:
        logout(request)
    return HttpResponseRedirect(reverse("admin:login", current_app=site.name))
