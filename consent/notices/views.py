"""The answer page for a material policy change, and dismissing the notice of one."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent.notices import selectors, services
from consent.notices.context_processors import DISMISSED_COOKIE, dismissed_versions
from consent.notices.middleware import DECLINED_SESSION_KEY, session_settle
from consent.policies.selectors import policy_language_active
from consent.portal.views import request_context

# Dismissed notices are remembered this long (they stop being shown after POLICY_NOTICE_DAYS anyway).
DISMISSED_COOKIE_AGE = 365 * 24 * 3600


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _declined_page(request, pending):
    return render(
        request,
        "notices/declined.html",
        {
            "pending": pending,
            "accepted": pending.accepted if pending else None,
            "choices_url": reverse("portal:choices"),
            # The portal's requests section (deletion) is being built; its overview anchors it.
            "deletion_url": reverse("portal:requests") + "?type=deletion",
        },
    )


def _shown_language(request, *, default: str) -> str:
    language = request.POST.get("policy_language", "")
    return language if language in {code for code, _name in settings.LANGUAGES} else default


@login_required
@require_http_methods(["GET", "POST"])
def policy_update(request):
    language = policy_language_active()
    overview = reverse("portal:overview")
    pending = selectors.policy_update_pending(user=request.user, language=language)
    if pending is None or not pending.material:
        return redirect(_next_url(request, overview))
    if request.method == "POST" and request.POST.get("answer") == "decline":
        request.session[DECLINED_SESSION_KEY] = pending.shown.version.pk
        session_settle(request, pending.shown.version.pk)
        return _declined_page(request, pending)
    if request.method == "POST":
        try:
            services.policy_update_accept(
                user=request.user,
                version_id=int(request.POST.get("policy_version") or 0),
                text_hash=request.POST.get("policy_text_hash", ""),
                # The language of the text the page showed, which the hash is of.
                language=_shown_language(request, default=language),
                context=request_context(request),
            )
        except (services.PolicyUpdateChanged, ValueError):
            messages.warning(request, _("The policy changed while you were reading it. Please read this version."))
            pending = selectors.policy_update_pending(user=request.user, language=language) or pending
        else:
            session_settle(request, pending.shown.version.pk)
            messages.success(
                request,
                _("Thank you: you accepted version %(label)s of the privacy policy.")
                % {"label": pending.shown.version.label},
            )
            return redirect(_next_url(request, overview))
    return render(
        request,
        "notices/policy_update.html",
        {
            "pending": pending,
            "shown": pending.shown,
            "text": pending.shown.text,
            "changes_url": selectors.policy_version_changes_url(version=pending.shown.version),
            "declined": request.session.get(DECLINED_SESSION_KEY) == pending.shown.version.pk,
            "next": _next_url(request, ""),
        },
    )


@require_POST
def notice_dismiss(request):
    dismissed = dismissed_versions(request)
    version = request.POST.get("version", "")
    if version.isdigit():
        dismissed.add(int(version))
    response = HttpResponseRedirect(_next_url(request, reverse("policies:privacy-policy")))
    response.set_cookie(
        DISMISSED_COOKIE,
        ".".join(str(v) for v in sorted(dismissed)[-20:]),
        max_age=DISMISSED_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response
