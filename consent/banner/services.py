"""Writing for the cookie banner: a visitor's choices, the GPC signal, and the merge of an
anonymous visitor into the person at login. Every event goes through consent_record."""

import uuid

from django.db import transaction

from consent.accounts.models import Subject
from consent.accounts.services import subject_get_or_create
from consent.banner.selectors import ANONYMOUS_PREFIX, CATEGORIES, GPC_CATEGORY, banner_subject_is_anonymous
from consent.ledger.chain import Evidence
from consent.ledger.models import ConsentEvent, ConsentState, Purpose
from consent.ledger.services import Actor, IdempotencyConflict, consent_record, subject_lock


def banner_visitor_create() -> Subject:
    """An anonymous Subject for a browser seen for the first time: no email, no user."""
    return subject_get_or_create(external_id=f"{ANONYMOUS_PREFIX}{uuid.uuid4().hex}")


def _states(subject: Subject, purposes) -> dict:
    """{purpose: {channel or None: (decision, event id)}}"""
    rows = ConsentState.objects.filter(subject=subject, purpose_id__in=list(purposes)).values_list(
        "purpose_id", "channel", "decision", "event_id"
    )
    states: dict = {}
    for purpose_id, channel, decision, event_id in rows:
        states.setdefault(purpose_id, {})[channel] = (decision, event_id)
    return states


def _withdrawn_everywhere(decisions: dict) -> bool:
    """The purpose is withdrawn on every channel: a withdrawal for all channels (None) that
    no later per-channel grant overrides (the decision rule takes the latest of the two)."""
    whole = decisions.get(None)
    if whole is None or whole[0] != ConsentEvent.Decision.WITHDRAWN:
        return False
    return not any(
        decision == ConsentEvent.Decision.GRANTED and event_id > whole[1] for decision, event_id in decisions.values()
    )


@transaction.atomic
def banner_choices_record(
    *, subject: Subject | None, choices: dict[str, bool], gpc: bool, source: str, evidence: Evidence
) -> tuple[Subject, list[ConsentEvent]]:
    """Record the categories whose decision changes, and nothing else; returns the Subject
    (a new anonymous one when `subject` is None: a first visit, in the same transaction)
    and the events written.

    `choices` maps banner categories (analytics, personalisation, advertising) to yes/no;
    a category left out keeps its state. A Global Privacy Control signal withdraws
    advertising (source gpc) whatever the click said, and for a person (a Subject with an
    account) partners' marketing too. The person's ledger lock is taken first, so two tabs
    answering at once cannot both record the same change."""
    first_visit = subject is None
    if first_visit:
        subject = banner_visitor_create()
    subject_lock(subject.pk)
    wanted = {CATEGORIES[key]: value for key, value in choices.items()}
    gpc_purposes = [CATEGORIES[GPC_CATEGORY]]
    if gpc:
        wanted.pop(CATEGORIES[GPC_CATEGORY], None)
        if subject.user_id is not None:
            gpc_purposes.append(Purpose.Code.MARKETING_THIRD_PARTY)
    states = {} if first_visit else _states(subject, [*wanted, *gpc_purposes])
    events = []
    for purpose, granted in wanted.items():
        decision = ConsentEvent.Decision.GRANTED if granted else ConsentEvent.Decision.WITHDRAWN
        if states.get(purpose, {}).get(None, (None,))[0] != decision:
            events.append(
                consent_record(
                    subject=subject,
                    purpose=purpose,
                    decision=decision,
                    source=source,
                    actor=Actor.subject(),
                    evidence=evidence,
                )
            )
    if gpc:
        for purpose in gpc_purposes:
            # Withdrawn on every channel already: the signal changes nothing.
            if _withdrawn_everywhere(states.get(purpose, {})):
                continue
            events.append(
                consent_record(
                    subject=subject,
                    purpose=purpose,
                    decision=ConsentEvent.Decision.WITHDRAWN,
                    source=ConsentEvent.Source.GPC,
                    actor=Actor.subject(),
                    evidence=evidence,
                )
            )
    return subject, events


@transaction.atomic
def banner_visitor_merge(*, anonymous: Subject, person: Subject) -> list[ConsentEvent]:
    """Re-record an anonymous visitor's cookie choices on the person who has just logged in.

    The anonymous Subject keeps its own chain (events are immutable). Each new event keeps
    the original's source and evidence (what was shown, from where) and cites it through
    its idempotency key, `banner-merge:<anonymous event id>:<person>`, which also makes a
    second merge of the same visitor a no-op. A choice the person made after the visitor's
    wins; one that already agrees is not recorded again."""
    if anonymous.pk == person.pk or not banner_subject_is_anonymous(anonymous):
        return []
    for subject_id in sorted([str(anonymous.pk), str(person.pk)]):
        subject_lock(subject_id)
    theirs = ConsentState.objects.filter(
        subject=anonymous, purpose_id__in=list(CATEGORIES.values()), channel__isnull=True
    ).select_related("event__evidence")
    mine = {
        state.purpose_id: state
        for state in ConsentState.objects.filter(
            subject=person, purpose_id__in=list(CATEGORIES.values()), channel__isnull=True
        )
    }
    events = []
    for state in theirs.order_by("event_id"):
        own = mine.get(state.purpose_id)
        if own is not None and (own.decision == state.decision or own.updated_at > state.updated_at):
            continue
        original = state.event
        shown = getattr(original, "evidence", None)
        try:
            events.append(
                consent_record(
                    subject=person,
                    purpose=state.purpose_id,
                    decision=state.decision,
                    source=original.source,
                    actor=Actor.subject(),
                    evidence=Evidence(
                        ip_address=shown.ip_address,
                        user_agent=shown.user_agent,
                        language=shown.language,
                        text_hash=shown.text_hash,
                    )
                    if shown
                    else None,
                    idempotency_key=f"banner-merge:{original.pk}:{person.pk}",
                )
            )
        except IdempotencyConflict:
            continue
    return events
