"""The access export: everything the platform holds about one person, as a ZIP.

`data.json` is for machines (every field, every consent event with its hash-chain fields and
its receipt); `summary.html` is the same for the person to read, in their language, one
self-contained page (no scripts, no external files; every value escaped by the template).
Events are read in chunks and written to the archive as they come, so a person with tens of
thousands of events costs a chunk of memory, not the whole history at once."""

import io
import json
import zipfile
from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consent.accounts.identity import InvalidIdentifier, email_digest, phone_digest
from consent.accounts.models import ProfileChange, Subject, User
from consent.decisions.rules import Reason, consent_state
from consent.ledger.models import Channel, ConsentEvent
from consent.ledger.receipts import consent_receipt
from consent.ledger.selectors import consent_history, purposes_by_code
from consent.notifications.models import OutboundEmail
from consent.notifications.rendering import email_language
from consent.suppression.models import SuppressionEntry
from requests_app.disclosures import disclosures_for_subject
from requests_app.models import DataCategory, Disclosure

EXPORT_FORMAT = "consent-platform-access-export/1"
EVENT_CHUNK = 2000
# The password is held only as a one-way hash: the export says one is set, not the hash.
_PROFILE_HIDDEN = {"password"}


def _dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def _profile(user: User | None) -> dict | None:
    if user is None:
        return None
    profile = {}
    for field in User._meta.concrete_fields:
        if field.name in _PROFILE_HIDDEN:
            continue
        value = getattr(user, field.attname)
        profile[field.name] = str(value) if field.name == "country" else value
    profile["password_set"] = user.has_usable_password()
    profile["groups"] = list(user.groups.values_list("name", flat=True))
    return profile


def _events(subject: Subject) -> QuerySet[ConsentEvent]:
    return consent_history(subject=subject)


def _event(event: ConsentEvent) -> dict:
    evidence = getattr(event, "evidence", None)
    version = event.policy_version
    return {
        "id": event.pk,
        "occurred_at": event.occurred_at,
        "purpose": event.purpose_id,
        "channel": event.channel,
        "decision": event.decision,
        "source": event.source,
        "actor_type": event.actor_type,
        "policy_version": {"document": version.document.slug, "label": version.label} if version else None,
        "evidence": (
            {
                "ip_address": evidence.ip_address,
                "user_agent": evidence.user_agent,
                "language": evidence.language,
                "text_hash": evidence.text_hash,
            }
            if evidence
            else None
        ),
        "evidence_digest": event.evidence_digest,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "receipt": consent_receipt(event=event),
    }


def _choices(subject: Subject) -> list[dict]:
    def choice(state) -> dict:
        return {
            "channel": state.channel,
            "decision": state.decision,
            "allowed": state.allowed,
            "reason": state.reason,
            "event_id": state.event_id,
            "updated_at": state.updated_at,
        }

    return [
        {
            "purpose": state.purpose.code,
            "name": str(state.purpose.name),
            **choice(state.overall),
            "channels": [choice(channel) for channel in state.channels],
        }
        for state in consent_state(subject=subject)
    ]


def _suppression(subject: Subject, user: User | None) -> dict:
    """Entries on the person's identifiers, found by digest (the list never holds addresses)."""
    digests: dict[bytes, str] = {}
    if subject.email_digest:
        digests[bytes(subject.email_digest)] = "email"
    if user is not None:
        for kind, value, make in (("email", user.email, email_digest), ("phone", user.phone, phone_digest)):
            if value:
                try:
                    digests.setdefault(make(value), kind)
                except InvalidIdentifier:
                    continue
    entries = (
        SuppressionEntry.objects.filter(identifier_digest__in=list(digests)).order_by("created_at", "pk")
        if digests
        else SuppressionEntry.objects.none()
    )
    rows = [
        {
            "identifier": digests[bytes(entry.identifier_digest)],
            "purpose": entry.purpose,
            "channel": entry.channel,
            "reason": entry.reason,
            "source": entry.source,
            "created_at": entry.created_at,
        }
        for entry in entries
    ]
    return {"suppressed": any(row["purpose"] is None and row["channel"] is None for row in rows), "entries": rows}


def _disclosures(subject: Subject) -> list[dict]:
    return [
        {
            "third_party": {
                "name": disclosure.third_party.name,
                "kind": disclosure.third_party.kind,
                "country": disclosure.third_party.country.code,
                "address": disclosure.third_party.address,
            },
            "basis": disclosure.basis,
            "data_categories": disclosure.data_categories,
            "disclosed_at": disclosure.disclosed_at,
            "reference": disclosure.reference,
        }
        for disclosure in disclosures_for_subject(subject=subject)
    ]


def _profile_changes(user: User | None) -> list[dict]:
    if user is None:
        return []
    return [
        {
            "changed_at": change.changed_at,
            "fields": change.fields,
            "source": change.source,
            "by_staff": bool(change.actor),
        }
        for change in ProfileChange.objects.filter(user=user).order_by("changed_at", "pk")
    ]


def _emails(subject: Subject) -> list[dict]:
    # Metadata only: what was sent, when, whether it arrived; not the bodies.
    return list(
        OutboundEmail.objects.filter(subject=subject)
        .order_by("created_at", "pk")
        .values("template", "language", "to_address", "subject_line", "status", "created_at", "sent_at")
    )


def _data_json_chunks(head: dict, subject: Subject) -> Iterator[str]:
    yield _dumps(head)[:-1] + ', "consent_events": ['
    first = True
    for event in _events(subject).iterator(chunk_size=EVENT_CHUNK):
        yield ("" if first else ",") + _dumps(_event(event))
        first = False
    yield "]}"


def _summary_html(*, head: dict, subject: Subject, user: User | None, language: str) -> str:
    purposes = purposes_by_code()
    categories = dict(DataCategory.choices)
    with translation.override(language):
        for choice in head["current_choices"]:
            choice["name"] = str(purposes[choice["purpose"]].name)
        profile_rows = []
        if user is not None:
            for field in User._meta.concrete_fields:
                if field.name in _PROFILE_HIDDEN:
                    continue
                value = getattr(user, field.name)
                if field.choices:
                    value = getattr(user, f"get_{field.name}_display")()
                profile_rows.append((str(field.verbose_name), value))
        # Labels translated once, not once per event: a history may have thousands.
        names = {code: str(purpose.name) for code, purpose in purposes.items()}
        channels = {value: str(label) for value, label in Channel.choices}
        decisions = {value: str(label) for value, label in ConsentEvent.Decision.choices}
        sources = {value: str(label) for value, label in ConsentEvent.Source.choices}
        events = (
            {
                "occurred_at": event.occurred_at,
                "purpose": names[event.purpose_id],
                "channel": channels.get(event.channel, ""),
                "decision": decisions[event.decision],
                "source": sources[event.source],
                "hash": event.hash,
            }
            for event in _events(subject).iterator(chunk_size=EVENT_CHUNK)
        )
        disclosures = [
            {
                **row,
                "basis_label": Disclosure.Basis(row["basis"]).label,
                "categories": [categories.get(code, code) for code in row["data_categories"]],
            }
            for row in head["disclosures"]
        ]
        suppression = {
            "suppressed": head["suppression"]["suppressed"],
            "entries": [
                {**entry, "reason_label": SuppressionEntry.Reason(entry["reason"]).label}
                for entry in head["suppression"]["entries"]
            ],
        }
        return render_to_string(
            "requests_app/export_summary.html",
            {
                "language": language,
                "subject": subject,
                "generated_at": head["generated_at"],
                "profile_rows": profile_rows,
                "choices": [
                    (choice["name"], choice["allowed"], Reason.LABELS.get(choice["reason"], choice["reason"]))
                    for choice in head["current_choices"]
                ],
                "events": events,
                "event_count": head["consent_event_count"],
                "suppression": suppression,
                "disclosures": disclosures,
                "requests": [list(request.items()) for request in head["requests"]],
                "profile_changes": head["profile_changes"],
                "emails": head["emails"],
            },
        )


def access_export_build(*, subject: Subject, language: str, requests: list[dict]) -> bytes:
    """The person's access export as ZIP bytes: data.json and summary.html (in `language`:
    en, sv or fr; anything else falls back to the site's default). `requests` (their subject
    requests, as the request workflow describes them) is included as given."""
    subject = Subject.objects.select_related("user").get(pk=subject.pk)
    user = subject.user
    language = email_language(language)
    head = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now(),
        "language": language,
        "subject": {
            "id": str(subject.pk),
            "external_id": subject.external_id,
            "created_at": subject.created_at,
            "erased_at": subject.erased_at,
        },
        "profile": _profile(user),
        "current_choices": _choices(subject),
        "suppression": _suppression(subject, user),
        "requests": requests,
        "disclosures": _disclosures(subject),
        "profile_changes": _profile_changes(user),
        "emails": _emails(subject),
        "consent_event_count": ConsentEvent.objects.filter(subject=subject).count(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("data.json", "w") as data:
            for chunk in _data_json_chunks(head, subject):
                data.write(chunk.encode())
        archive.writestr("summary.html", _summary_html(head=head, subject=subject, user=user, language=language))
    return buffer.getvalue()
