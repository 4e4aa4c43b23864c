"""The decision rule and its two fact-gathering paths, side by side.

`decide` is the rule, written once. Its facts are gathered two ways, which must agree:
`consent_state` reads one person in Python (every purpose and channel, now or on a past
date); `consent_decisions` reads up to 10,000 people for one purpose and channel in one
SQL statement. tests/decisions/test_rules.py holds them to the same answers."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consent.accounts.identity import InvalidIdentifier
from consent.accounts.models import Subject
from consent.accounts.selectors import IDENTIFIER_BATCH_LIMIT, identifier_parse
from consent.db import prepared_cursor
from consent.ledger.models import ConsentEvent, ConsentState, Purpose
from consent.ledger.rules import channel_validate
from consent.ledger.selectors import consent_choices_explicit, purpose_get, purposes_by_code
from consent.suppression.models import SuppressionEntry


class Reason:
    """Why a decision came out as it did; stable values for API clients."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    NOT_GRANTED = "not_granted"  # opt-in purpose, never granted
    OPT_OUT_DEFAULT = "opt_out_default"  # opt-out purpose, never withdrawn
    SUPPRESSED = "suppressed"
    ERASED = "erased"
    NO_POLICY_ACCEPTED = "no_policy_accepted"  # opt-out needs an accepted policy to rely on

    LABELS = {
        GRANTED: gettext_lazy("granted"),
        WITHDRAWN: gettext_lazy("withdrawn"),
        NOT_GRANTED: gettext_lazy("never granted (opt-in)"),
        OPT_OUT_DEFAULT: gettext_lazy("not objected to (opt-out)"),
        SUPPRESSED: gettext_lazy("on a do-not-contact list"),
        ERASED: gettext_lazy("data erased"),
        NO_POLICY_ACCEPTED: gettext_lazy("no accepted privacy policy"),
    }


def decide(
    *, purpose: Purpose, explicit: str | None, suppressed: bool, erased: bool, policy_accepted: bool
) -> tuple[bool, str]:
    """May the purpose use this person's data (on the channel the facts were read for)?"""
    if erased:
        return False, Reason.ERASED
    if suppressed and purpose.contacts_people:
        return False, Reason.SUPPRESSED
    if explicit == ConsentEvent.Decision.GRANTED:
        return True, Reason.GRANTED
    if explicit == ConsentEvent.Decision.WITHDRAWN:
        return False, Reason.WITHDRAWN
    if purpose.kind == Purpose.Kind.OPT_IN:
        return False, Reason.NOT_GRANTED
    if not policy_accepted:
        return False, Reason.NO_POLICY_ACCEPTED
    return True, Reason.OPT_OUT_DEFAULT


# --- one person, every purpose: facts read in Python --------------------------------------


@dataclass
class ChoiceState:
    channel: str | None
    decision: str | None  # the explicit choice, None if never made
    allowed: bool
    reason: str
    event_id: int | None
    updated_at: datetime | None


@dataclass
class PurposeState:
    purpose: Purpose
    overall: ChoiceState  # the choice made for the purpose as a whole
    channels: list[ChoiceState] = field(default_factory=list)


def consent_state(*, subject: Subject, at: datetime | None = None) -> list[PurposeState]:
    """The state of every purpose for one person, now or as it stood at `at`."""
    explicit = consent_choices_explicit(subject=subject, at=at)
    suppressions = SuppressionEntry.objects.none()
    if subject.email_digest:
        suppressions = SuppressionEntry.objects.filter(identifier_digest=subject.email_digest)
        if at is not None:
            suppressions = suppressions.filter(created_at__lte=at)
    suppressed_scopes = set(suppressions.values_list("purpose", "channel"))
    accepted_choice = explicit.get((Purpose.Code.PRIMARY_USE, None))
    accepted = accepted_choice is not None and accepted_choice.decision == ConsentEvent.Decision.GRANTED
    erased = subject.erased_at is not None and (at is None or subject.erased_at <= at)

    def choice(purpose: Purpose, channel: str | None) -> ChoiceState:
        # Of the choice for the whole purpose and the one for this channel, the later counts.
        candidates = [explicit.get((purpose.code, None))]
        if channel is not None:
            candidates.append(explicit.get((purpose.code, channel)))
        latest = max((c for c in candidates if c), key=lambda c: c.event_id, default=None)
        if channel is None:
            # For the purpose as a whole, only an all-channel entry suppresses.
            suppressed = any((p is None or p == purpose.code) and c is None for p, c in suppressed_scopes)
        else:
            suppressed = any((p is None or p == purpose.code) and c in (None, channel) for p, c in suppressed_scopes)
        decision = latest.decision if latest else None
        allowed, reason = decide(
            purpose=purpose, explicit=decision, suppressed=suppressed, erased=erased, policy_accepted=accepted
        )
        return ChoiceState(
            channel, decision, allowed, reason, latest.event_id if latest else None, latest.at if latest else None
        )

    return [
        PurposeState(purpose, choice(purpose, None), [choice(purpose, channel) for channel in purpose.channels])
        for purpose in purposes_by_code().values()
    ]


# --- many people, one purpose and channel: facts read in SQL -------------------------------


@dataclass
class Decision:
    identifier: str
    subject_id: uuid.UUID | None
    allowed: bool
    reason: str


# Per identifier: the subject (by id, or by digest through the hash index), its
# CurrentChoices row (every explicit choice in one row) and its suppression entries.
# Of the choice for the whole purpose and the one for this channel, the later (higher
# event id) counts, as in consent_state.
DECISIONS_SQL = """
SELECT i.ord, s.id, s.erased_at IS NOT NULL, sup.hit IS NOT NULL,
       CASE WHEN c.channel_choice IS NULL THEN c.whole_choice ->> 0
            WHEN c.whole_choice IS NULL
              OR (c.channel_choice ->> 1)::bigint > (c.whole_choice ->> 1)::bigint THEN c.channel_choice ->> 0
            ELSE c.whole_choice ->> 0 END,
       COALESCE(c.accepted_choice ->> 0 = 'granted', false)
  FROM unnest(%(digests)b::bytea[], %(subject_ids)b::uuid[]) WITH ORDINALITY AS i(digest, subject_id, ord)
  LEFT JOIN LATERAL (
        SELECT by_id.id, by_id.email_digest, by_id.erased_at FROM accounts_subject by_id
         WHERE by_id.id = i.subject_id
        UNION ALL
        SELECT by_digest.id, by_digest.email_digest, by_digest.erased_at FROM accounts_subject by_digest
         WHERE i.subject_id IS NULL AND by_digest.email_digest = i.digest
        LIMIT 1
  ) s ON true
  LEFT JOIN ledger_currentchoices cc ON cc.subject_id = s.id
  LEFT JOIN LATERAL (
        SELECT true AS hit FROM suppression_suppressionentry se
         WHERE %(contact)s AND se.identifier_digest = COALESCE(i.digest, s.email_digest)
           AND (se.purpose IS NULL OR se.purpose = %(purpose)s)
           AND (se.channel IS NULL OR se.channel = %(channel)s)
         LIMIT 1
  ) sup ON true
  CROSS JOIN LATERAL (
        SELECT cc.choices -> %(whole_key)s AS whole_choice,
               cc.choices -> %(channel_key)s AS channel_choice,
               cc.choices -> %(accepted_key)s AS accepted_choice
  ) c
"""


def decisions_query_params(purpose: Purpose, channel: str | None, digests: list, subject_ids: list) -> dict:
    return {
        "contact": purpose.contacts_people,
        "purpose": purpose.code,
        "channel": channel,
        "whole_key": ConsentState.choice_key(purpose.code, None),
        "channel_key": ConsentState.choice_key(purpose.code, channel) if channel else None,
        "accepted_key": ConsentState.choice_key(Purpose.Code.PRIMARY_USE, None),
        # An array of only NULLs is sent as NULL: unnest pads it out, and psycopg skips a
        # scan of the list for its element type.
        "digests": digests if any(digests) else None,
        "subject_ids": subject_ids if any(subject_ids) else None,
    }


def consent_decisions(*, purpose: str, channel: str | None, identifiers: list[str]) -> list[Decision]:
    """May `purpose` use `channel` for each person, and why? One query for up to 10,000."""
    purpose_obj = purpose_get(purpose)
    channel = channel or None
    channel_validate(purpose=purpose_obj, channel=channel, required=True)
    if len(identifiers) > IDENTIFIER_BATCH_LIMIT:
        raise ValidationError(
            {"identifiers": _("At most %(limit)d identifiers per call.") % {"limit": IDENTIFIER_BATCH_LIMIT}}
        )

    digests, subject_ids, errors = [], [], []
    for index, raw in enumerate(identifiers):
        try:
            digest, subject_id = identifier_parse(raw)
        except InvalidIdentifier as exc:
            errors.append(_("Item %(index)d (%(value)r): %(reason)s") % {"index": index, "value": raw, "reason": exc})
            digest, subject_id = None, None
        digests.append(digest)
        subject_ids.append(subject_id)
    if errors:
        # The first few are enough to fix a generator's bug; all of them could be 10,000 lines.
        raise ValidationError({"identifiers": errors[:20]})

    # 10,000 digests travel as one binary array parameter, not a megabyte of SQL text.
    with prepared_cursor() as cursor:
        cursor.execute(DECISIONS_SQL, decisions_query_params(purpose_obj, channel, digests, subject_ids))
        rows = cursor.fetchall()

    decisions: list[Decision | None] = [None] * len(identifiers)
    outcomes = {}  # a handful of distinct facts across 10,000 people: decide each once
    for ordinal, subject_id, erased, suppressed, explicit, accepted in rows:
        facts = (explicit, suppressed, erased, accepted)
        outcome = outcomes.get(facts)
        if outcome is None:
            outcome = outcomes[facts] = decide(
                purpose=purpose_obj, explicit=explicit, suppressed=suppressed, erased=erased, policy_accepted=accepted
            )
        decisions[ordinal - 1] = Decision(identifiers[ordinal - 1], subject_id, *outcome)
    return decisions


def contact_decision(
    *, purpose: str, channel: str | None, digest: bytes | None = None, subject_id: uuid.UUID | None = None
) -> tuple[bool, str]:
    """consent_decisions for one person named by digest or subject id (an unsubscribe link's)."""
    purpose_obj = purpose_get(purpose)
    with prepared_cursor() as cursor:
        cursor.execute(DECISIONS_SQL, decisions_query_params(purpose_obj, channel or None, [digest], [subject_id]))
        _ordinal, _subject_id, erased, suppressed, explicit, accepted = cursor.fetchone()
    return decide(
        purpose=purpose_obj, explicit=explicit, suppressed=suppressed, erased=erased, policy_accepted=accepted
    )


# --- a whole list, one purpose and channel: facts read in SQL, set-based ------------------

# The scrub's twin of DECISIONS_SQL for lists of millions: the same facts per address, read
# by joins over a temporary table `scrub_list (ord, digest)` instead of probes per array
# element, and kept in `scrub_facts` so that counts and the deliverable rows are read from
# it without computing them twice. An address listed twice is decided once, at its first line.
# The suppressed digests are a join too, not a probe per address: for a long list the planner
# hashes it against one pass over the entries (a million probes cost more than seven million
# rows read in order), for a short one it probes the index.
SCRUB_FACTS_SQL = """
CREATE TEMP TABLE scrub_facts AS
SELECT l.ord,
       COALESCE(s.erased_at IS NOT NULL, false) AS erased,
       sup.digest IS NOT NULL AS suppressed,
       COALESCE(CASE WHEN c.channel_choice IS NULL THEN c.whole_choice ->> 0
                     WHEN c.whole_choice IS NULL
                       OR (c.channel_choice ->> 1)::bigint > (c.whole_choice ->> 1)::bigint THEN c.channel_choice ->> 0
                     ELSE c.whole_choice ->> 0 END, '') AS explicit,
       COALESCE(c.accepted_choice ->> 0 = 'granted', false) AS accepted
  FROM (SELECT DISTINCT ON (digest) ord, digest FROM scrub_list ORDER BY digest, ord) l
  LEFT JOIN (SELECT DISTINCT se.identifier_digest AS digest
               FROM scrub_list sl JOIN suppression_suppressionentry se ON se.identifier_digest = sl.digest
              WHERE %(contact)s AND (se.purpose IS NULL OR se.purpose = %(purpose)s)
                AND (se.channel IS NULL OR se.channel = %(channel)s)) sup ON sup.digest = l.digest
  LEFT JOIN accounts_subject s ON s.email_digest = l.digest
  LEFT JOIN ledger_currentchoices cc ON cc.subject_id = s.id
  CROSS JOIN LATERAL (
        SELECT cc.choices -> %(whole_key)s AS whole_choice,
               cc.choices -> %(channel_key)s AS channel_choice,
               cc.choices -> %(accepted_key)s AS accepted_choice
  ) c
"""
SCRUB_GROUPS_SQL = """
SELECT erased, suppressed, explicit, accepted, count(*) FROM scrub_facts GROUP BY 1, 2, 3, 4
"""
# The deliverable lines: the list anti-joined with everything excluded, as the facts say.
SCRUB_DELIVERABLE_SQL = """
SELECT f.ord FROM scrub_facts f
  JOIN unnest(%(erased)s::bool[], %(suppressed)s::bool[], %(explicit)s::text[], %(accepted)s::bool[])
       AS ok(erased, suppressed, explicit, accepted)
    ON f.erased = ok.erased AND f.suppressed = ok.suppressed AND f.explicit = ok.explicit AND f.accepted = ok.accepted
 ORDER BY f.ord
"""


@dataclass
class ScrubOutcome:
    listed: int  # distinct addresses decided
    allowed: int
    excluded: dict  # reason -> count
    # (erased, suppressed, explicit, accepted) combinations decided "allowed"
    allowed_facts: list = field(default_factory=list)


def scrub_decide(*, purpose: Purpose, channel: str | None, cursor) -> ScrubOutcome:
    """Decide every address in the session's `scrub_list` with `decide`: facts in SQL, the
    rule applied once per distinct combination of facts (a handful, however long the list)."""
    params = decisions_query_params(purpose, channel, [], [])
    params.pop("digests"), params.pop("subject_ids")
    cursor.execute("DROP TABLE IF EXISTS scrub_facts")
    cursor.execute(SCRUB_FACTS_SQL, params)
    cursor.execute(SCRUB_GROUPS_SQL)
    outcome = ScrubOutcome(listed=0, allowed=0, excluded={})
    for erased, suppressed, explicit, accepted, count in cursor.fetchall():
        allowed, reason = decide(
            purpose=purpose, explicit=explicit or None, suppressed=suppressed, erased=erased, policy_accepted=accepted
        )
        outcome.listed += count
        if allowed:
            outcome.allowed += count
            outcome.allowed_facts.append((erased, suppressed, explicit, accepted))
        else:
            outcome.excluded[reason] = outcome.excluded.get(reason, 0) + count
    return outcome


def scrub_deliverable_params(outcome: ScrubOutcome) -> dict:
    facts = outcome.allowed_facts or [(None, None, None, None)]
    return {
        "erased": [f[0] for f in facts],
        "suppressed": [f[1] for f in facts],
        "explicit": [f[2] for f in facts],
        "accepted": [f[3] for f in facts],
    }
