"""The self-service portal's pages. Thin: parse, call one service or selector, render."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consent.ledger.receipts import consent_receipt, receipt_event_get
from consent.policies.selectors import policy_language_active, policy_version_previous
from consent.portal import selectors, services
from consent.portal.forms import ChoiceChangeForm, PasswordCompromiseForm, ProfileForm
from consent.portal.navigation import PORTAL_SECTIONS
from requests_app import selectors as request_selectors
from requests_app import services as request_services
from requests_app.forms import PortalRequestForm
from requests_app.models import SubjectRequest


def request_context(request) -> services.RequestContext:
    """The evidence of where a request came from. REMOTE_ADDR is the client as the server
    sees it; behind a proxy, the proxy must set it (gunicorn --forwarded-allow-ips)."""
    return services.RequestContext(
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
    )


def home(request):
    return render(request, "portal/home.html")


def rate_limited(request, exception=None):
    """RATELIMIT_VIEW: a public form was posted too often from this address."""
    return render(request, "portal/rate_limited.html", status=429)


def _page(request, template: str, section: str, context: dict | None = None, status: int = 200):
    return render(
        request, template, {"sections": PORTAL_SECTIONS, "section": section, **(context or {})}, status=status
    )


@login_required
def overview(request):
    subject = services.subject_for_user(request.user)
    accepted, accepted_at = selectors.policy_version_accepted(subject=subject)
    shown = selectors.privacy_policy_shown(country=str(request.user.country or ""), language=policy_language_active())
    return _page(
        request,
        "portal/overview.html",
        "portal:overview",
        {
            "accepted": accepted,
            "accepted_at": accepted_at,
            "current": shown.version if shown else None,
            "events": selectors.portal_history(subject=subject)[:5],
        },
    )


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            email = data.pop("email")
            try:
                result = services.profile_update(user=user, email=email, changes=data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if result.changed:
                    messages.success(request, _("Your details have been saved."))
                if result.pending_email:
                    messages.info(
                        request, _("We sent a link to your new address. It takes effect once you follow the link.")
                    )
                if not result.changed and not result.pending_email:
                    messages.info(request, _("Nothing changed."))
                return redirect("portal:profile")
    else:
        form = ProfileForm(
            initial={"email": user.email, **{field: getattr(user, field) for field in services.PROFILE_FIELDS}}
        )
    return _page(request, "portal/profile.html", "portal:profile", {"form": form})


@login_required
@require_POST
def verification_resend(request):
    services.email_verification_send(user=request.user)
    messages.info(request, _("We sent you a new confirmation link."))
    return redirect("portal:profile")


@login_required
def choices(request):
    subject = services.subject_for_user(request.user)
    return _page(
        request, "portal/choices.html", "portal:choices", {"purposes": selectors.portal_choices(subject=subject)}
    )


@login_required
@require_POST
def choice_change(request):
    form = ChoiceChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That choice could not be understood; nothing was changed."))
        return redirect("portal:choices")
    data = form.cleaned_data
    try:
        event = services.choice_change(
            user=request.user,
            purpose=data["purpose"],
            channel=data["channel"] or None,
            decision=data["decision"],
            language=policy_language_active(),
            context=request_context(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Saved: %(purpose)s%(channel)s is now %(decision)s. Receipt no. %(id)s is in your history.")
            % {
                "purpose": event.purpose.name,
                "channel": f" ({event.get_channel_display()})" if event.channel else "",
                "decision": event.get_decision_display().lower(),
                "id": event.pk,
            },
        )
    return redirect(f"{reverse('portal:choices')}#purpose-{data['purpose']}")


@login_required
def history(request):
    subject = services.subject_for_user(request.user)
    return _page(
        request,
        "portal/history.html",
        "portal:history",
        {
            "events": selectors.portal_history(subject=subject),
            "profile_changes": selectors.profile_history(user=request.user),
        },
    )


def _own_event(request, event_id: int):
    # Another person's event answers exactly as a missing one: ids reveal nothing.
    event = receipt_event_get(event_id=event_id, owner=services.subject_for_user(request.user).pk)
    if event is None:
        raise Http404(_("No receipt of yours has this number."))
    return event


@login_required
def receipt(request, event_id: int):
    event = _own_event(request, event_id)
    return _page(
        request, "portal/receipt.html", "portal:history", {"event": event, "receipt": consent_receipt(event=event)}
    )


@login_required
def receipt_json(request, event_id: int):
    event = _own_event(request, event_id)
    response = HttpResponse(
        json.dumps(consent_receipt(event=event), indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="consent-receipt-{event.pk}.json"'
    return response


@login_required
def policy(request):
    subject = services.subject_for_user(request.user)
    accepted, accepted_at = selectors.policy_version_accepted(subject=subject)
    shown = selectors.privacy_policy_shown(country=str(request.user.country or ""), language=policy_language_active())
    current = shown.version if shown else None
    return _page(
        request,
        "portal/policy.html",
        "portal:policy",
        {
            "accepted": accepted,
            "accepted_at": accepted_at,
            "shown": shown,
            "current": current,
            "previous": policy_version_previous(version=current) if current else None,
        },
    )


@login_required
def security(request):
    return _page(request, "portal/security.html", "portal:security", {"form": PasswordCompromiseForm()})


@login_required
@require_POST
def password_compromise(request):
    form = PasswordCompromiseForm(request.POST)
    if not form.is_valid():
        return _page(request, "portal/security.html", "portal:security", {"form": form}, status=400)
    services.password_compromise_report(
        user=request.user, note=form.cleaned_data["note"], context=request_context(request)
    )
    # Every other session ended with the password; this one ends here.
    logout(request)
    return redirect("password-compromised-done")


@login_required
def requests(request):
    """The person's subject requests, a form for a new one (verified by their login) and their
    local office."""
    subject = services.subject_for_user(request.user)
    # ?type=deletion (from the policy-change page's "ask for deletion") picks the type.
    form = PortalRequestForm(request.POST or None, initial={"type": request.GET.get("type", "")})
    if request.method == "POST" and form.is_valid():
        try:
            made = request_services.request_submit(
                type=form.cleaned_data["type"],
                channel=SubjectRequest.Channel.PORTAL,
                details=form.cleaned_data["details"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Request %(reference)s received. We will answer by %(due)s.")
                % {"reference": made.reference, "due": f"{made.due_at:%Y-%m-%d}"},
            )
            return redirect("portal:requests")
    return _page(
        request,
        "portal/requests.html",
        "portal:requests",
        {
            "form": form,
            "subject_requests": request_selectors.requests_of_subject(subject=subject),
            "office": request_selectors.office_for_country(str(request.user.country or "")),
        },
        status=400 if form.errors else 200,
    )
