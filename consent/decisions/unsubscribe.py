"""Unsubscribe links and the page they open: the RFC 8058 one-click POST, and a page in the
recipient's language that says where they stand (by the one decision rule) and offers to
undo. No login, no cookie, no CSRF token: the signed token is the authority, and it can do
no more than take its own person off (or back onto) its own list."""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from consent.accounts.identity import InvalidIdentifier, email_digest
from consent.decisions.rules import Reason, consent_decisions, contact_decision
from consent.suppression.scopes import scope_label
from consent.suppression.services import suppression_unsubscribe, suppression_unsubscribe_undo
from consent.suppression.tokens import ONE_CLICK as ONE_CLICK_VALUE
from consent.suppression.tokens import (
    InvalidToken,
    UnsubscribeLink,
    unsubscribe_link_parse,
    unsubscribe_token,
    unsubscribe_url,
)


def unsubscribe_links(*, recipients: list[dict]) -> list[dict]:
    """For each {email, purpose, channel, language}: the List-Unsubscribe headers and the
    check's answer for that purpose and channel (one decisions query per scope)."""
    errors, digests = [], []
    for index, recipient in enumerate(recipients):
        try:
            digests.append(email_digest(recipient["email"]))
        except InvalidIdentifier as exc:
            errors.append(
                _("Item %(index)d (%(value)r): %(reason)s")
                % {"index": index, "value": recipient["email"], "reason": exc}
            )
    if errors:
        raise ValidationError({"recipients": errors[:20]})
    by_scope = defaultdict(list)
    for index, recipient in enumerate(recipients):
        by_scope[(recipient["purpose"], recipient.get("channel") or None)].append(index)
    decisions = {}
    for (purpose, channel), indexes in by_scope.items():
        answers = consent_decisions(
            purpose=purpose, channel=channel, identifiers=[recipients[i]["email"] for i in indexes]
        )
        decisions.update(zip(indexes, answers, strict=True))
    results = []
    for index, recipient in enumerate(recipients):
        token = unsubscribe_token(
            purpose=recipient["purpose"],
            channel=recipient.get("channel") or None,
            digest=digests[index],
            language=recipient.get("language") or "",
        )
        results.append(
            {
                "email": recipient["email"],
                "list_unsubscribe": f"<{unsubscribe_url(token)}>",
                "list_unsubscribe_post": ONE_CLICK_VALUE,
                "allowed": decisions[index].allowed,
                "reason": decisions[index].reason,
            }
        )
    return results


def _language(link: UnsubscribeLink, request: HttpRequest) -> str:
    user = link.subject.user if link.subject is not None else None
    if user is not None and user.language:
        return user.language
    return link.language or translation.get_language_from_request(request) or settings.LANGUAGE_CODE


def _one_click(request: HttpRequest) -> bool:
    # RFC 8058: the body is `List-Unsubscribe=One-Click`, form-encoded or multipart; some
    # senders label it text/plain, so the raw body counts too.
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return True
    return request.content_type not in ("multipart/form-data",) and request.body.strip() == ONE_CLICK_VALUE.encode()


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = unsubscribe_link_parse(token)
    except InvalidToken:
        return render(request, "unsubscribe/invalid.html", status=400)
    language = _language(link, request)
    with translation.override(language):
        done = ""
        try:
            if request.method == "POST":
                action = request.POST.get("action", "")
                if action == "undo":
                    suppression_unsubscribe_undo(
                        digest=link.digest, subject=link.subject, purpose=link.purpose, channel=link.channel
                    )
                    done = "resubscribed"
                elif action == "unsubscribe" or _one_click(request):
                    suppression_unsubscribe(
                        digest=link.digest, subject=link.subject, purpose=link.purpose, channel=link.channel
                    )
                    done = "unsubscribed"
                else:
                    return render(request, "unsubscribe/invalid.html", status=400)
        except ValidationError:
            return render(request, "unsubscribe/invalid.html", status=400)
        allowed, reason = contact_decision(
            purpose=link.purpose,
            channel=link.channel,
            digest=link.digest,
            subject_id=None if link.digest else (link.subject.pk if link.subject else None),
        )
        response = render(
            request,
            "unsubscribe/page.html",
            {
                "what": scope_label(purpose=link.purpose, channel=link.channel),
                "done": done,
                "allowed": allowed,
                # Off the list by their own (or a representative's) choice, or never on it.
                "unsubscribed": done == "unsubscribed"
                or (not done and reason in (Reason.SUPPRESSED, Reason.WITHDRAWN)),
                "erased": reason == Reason.ERASED,
                # After an undo the person may still be blocked by another entry (a bounce, a
                # representative's): say so rather than pretend.
                "still_blocked": done == "resubscribed" and not allowed,
                "language": language,
            },
        )
    response["Content-Language"] = language
    return response
