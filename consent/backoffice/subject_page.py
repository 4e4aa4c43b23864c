"""A person's whole story on one page, for a representative on the phone.

The page is a list of sections: each a small function `section(request, subject) -> dict`
(its template's context) and a template include. Each section reads a bounded number of
rows through an index on the person, so the page costs the same number of queries for a
person with ten events as for one with ten thousand. The requests and
disclosures sections read requests_app, which sits below this app; the action buttons lead
to its admin pages."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.accounts.identity import InvalidIdentifier, phone_digest
from consent.accounts.models import DataAccess, ProfileChange, Subject
from consent.decisions.rules import Reason, consent_state
from consent.ledger.models import ConsentEvent
from consent.notifications.models import OutboundEmail
from consent.suppression.models import SuppressionEntry
from consent.suppression.scopes import scope_label
from requests_app.models import OPEN_STATUSES, Disclosure, SubjectRequest

TIMELINE_PER_PAGE = 25
RECENT_ROWS = 20


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    template: str
    # None: the section is known but its app is not installed yet; the page says so.
    build: Callable[..., dict] | None


_sections: list[Section] = []


def section_register(section: Section, *, before: str | None = None) -> None:
    """Add a section (replacing one of the same name, e.g. an absent one now provided)."""
    for index, existing in enumerate(_sections):
        if existing.name == section.name:
            _sections[index] = section
            return
    names = [s.name for s in _sections]
    _sections.insert(names.index(before) if before in names else len(_sections), section)


def sections() -> list[Section]:
    return list(_sections)


def subject_page_context(request, subject: Subject) -> list[dict]:
    """Each section's title, template and context, in page order."""
    return [
        {
            "name": section.name,
            "title": section.title,
            "template": section.template,
            "available": section.build is not None,
            **(section.build(request, subject) if section.build is not None else {}),
        }
        for section in _sections
    ]


# --------------------------------------------------------------------------- the sections
def identity_section(request, subject: Subject) -> dict:
    # The user came with the subject (select_related): no query here.
    return {"user": subject.user}


def choices_section(request, subject: Subject) -> dict:
    rows = []
    for state in consent_state(subject=subject):
        for choice in [state.overall, *state.channels]:
            rows.append(
                {
                    "purpose": state.purpose.name,
                    "channel": choice.channel,
                    "allowed": choice.allowed,
                    "reason": Reason.LABELS[choice.reason],
                    "updated_at": choice.updated_at,
                }
            )
    return {"choices": rows}


def timeline_section(request, subject: Subject) -> dict:
    """Newest first, one page at a time: one more row than shown says whether an older page
    exists, so no COUNT runs over the person's events."""
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    start = (page - 1) * TIMELINE_PER_PAGE
    events = list(
        ConsentEvent.objects.filter(subject=subject)
        .select_related("purpose")
        .order_by("-id")[start : start + TIMELINE_PER_PAGE + 1]
    )
    return {
        "events": events[:TIMELINE_PER_PAGE],
        "page": page,
        "newer_page": page - 1 if page > 1 else None,
        "older_page": page + 1 if len(events) > TIMELINE_PER_PAGE else None,
    }


def _digests(subject: Subject) -> dict[bytes, str]:
    """The person's identifiers as digests, with what each is (shown, never the digest)."""
    digests = {}
    if subject.email_digest:
        digests[bytes(subject.email_digest)] = str(_("email address"))
    phone = subject.user.phone if subject.user else ""
    if phone:
        try:
            digests[phone_digest(phone)] = str(_("phone number"))
        except InvalidIdentifier:
            pass  # a number stored before validation tightened: nothing to look up
    return digests


def suppression_section(request, subject: Subject) -> dict:
    digests = _digests(subject)
    entries = (
        SuppressionEntry.objects.filter(identifier_digest__in=list(digests)).order_by("-created_at") if digests else []
    )
    return {
        "entries": [
            {
                "identifier": digests.get(bytes(entry.identifier_digest), ""),
                "scope": scope_label(purpose=entry.purpose, channel=entry.channel),
                "reason": entry.get_reason_display(),
                "created_at": entry.created_at,
                "note": entry.note,
            }
            for entry in entries
        ],
        "has_identifier": bool(digests),
    }


def emails_section(request, subject: Subject) -> dict:
    # Metadata only: the bodies are not this page's business.
    emails = (
        OutboundEmail.objects.filter(subject=subject)
        .only("subject_line", "template", "status", "created_at", "sent_at")
        .order_by("-id")[:RECENT_ROWS]
    )
    return {"emails": list(emails)}


def profile_changes_section(request, subject: Subject) -> dict:
    if subject.user_id is None:
        return {"changes": []}
    changes = ProfileChange.objects.filter(user_id=subject.user_id).order_by("-changed_at")[:RECENT_ROWS]
    return {"changes": list(changes)}


def requests_section(request, subject: Subject) -> dict:
    made = (
        SubjectRequest.objects.filter(subject=subject)
        .only("reference", "type", "status", "received_at", "due_at", "paused_at")
        .order_by("-received_at")[:RECENT_ROWS]
    )
    now = timezone.now()
    rows = [
        {
            "request": item,
            "url": reverse("admin:requests_app_subjectrequest_change", args=[item.pk]),
            "overdue": item.status in OPEN_STATUSES and item.paused_at is None and item.due_at < now,
        }
        for item in made
    ]
    return {"requests": rows}


def disclosures_section(request, subject: Subject) -> dict:
    made = (
        Disclosure.objects.filter(subjects=subject)
        .select_related("third_party")
        .only("basis", "data_categories", "disclosed_at", "reference", "third_party__name", "third_party__country")
        .order_by("-disclosed_at")[:RECENT_ROWS]
    )
    return {"disclosures": list(made)}


def who_looked_section(request, subject: Subject) -> dict:
    looks = DataAccess.objects.filter(subject=subject).order_by("-viewed_at")[:RECENT_ROWS]
    return {"looks": list(looks)}


_T = "admin/accounts/subject/story/"
for _section in (
    Section("identity", _("Identity and contact"), f"{_T}identity.html", identity_section),
    Section("choices", _("Current choices"), f"{_T}choices.html", choices_section),
    Section("suppression", _("Do-not-contact lists"), f"{_T}suppression.html", suppression_section),
    Section("requests", _("Requests"), f"{_T}requests.html", requests_section),
    Section("disclosures", _("Disclosures"), f"{_T}disclosures.html", disclosures_section),
    Section("timeline", _("Consent timeline"), f"{_T}timeline.html", timeline_section),
    Section("emails", _("Emails sent"), f"{_T}emails.html", emails_section),
    Section("profile_changes", _("Profile changes"), f"{_T}profile_changes.html", profile_changes_section),
    Section("who_looked", _("Who looked"), f"{_T}who_looked.html", who_looked_section),
):
    section_register(_section)


# --------------------------------------------------------------------------- other apps' actions
@dataclass(frozen=True)
class Action:
    label: str
    url_name: str
    # The person goes in the URL (a page about them) or, for an add form, in its query string.
    takes_subject: bool = True


def other_actions(subject: Subject) -> list[dict]:
    """The requests app's pages for this person: record a request (the form pre-filled with
    their contact details), start an export (an access request), and their requests waiting
    for identity verification."""
    add = reverse("admin:requests_app_subjectrequest_add")
    user = subject.user
    contact = (
        {
            "requester_email": user.email,
            "requester_name": f"{user.first_name} {user.last_name}".strip(),
            "requester_phone": user.phone or "",
            "country": str(user.country or ""),
            "language": user.language,
        }
        if user is not None
        else {}
    )
    waiting = urlencode(
        {"subject__id__exact": subject.pk, "status__exact": SubjectRequest.Status.AWAITING_VERIFICATION}
    )
    return [
        {"label": _("Record a request"), "url": f"{add}?{urlencode(contact)}"},
        {"label": _("Verify identity"), "url": f"{reverse('admin:requests_app_subjectrequest_changelist')}?{waiting}"},
        {"label": _("Start an export"), "url": f"{add}?{urlencode({**contact, 'type': SubjectRequest.Type.ACCESS})}"},
    ]
