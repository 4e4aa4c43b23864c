"""The disclosure register: recording who received whose data, and answering from it.

`disclosure_save` is the one way a disclosure is written (the admin calls it); it refuses a
partner-marketing disclosure about anyone who has not currently granted `marketing_third_party`.
`answer_1798_83` is California Civil Code 1798.83's answer for one person and one year."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from consent.accounts.models import Subject
from consent.accounts.selectors import IDENTIFIER_BATCH_LIMIT
from consent.decisions.rules import consent_decisions
from consent.ledger.models import Purpose
from consent.ledger.selectors import purpose_get
from requests_app.models import DataCategory, Disclosure, ThirdParty

# At most this many people are named in a refusal; the count says how many more there are.
REFUSAL_NAMES_SHOWN = 20


def subjects_without_marketing_grant(*, subject_ids: Iterable) -> list:
    """The ids, of those given, of the people who do not now allow partners' marketing on any
    channel: never granted, withdrawn, on a do-not-contact list for it, or erased. Read with the
    one decision rule (consent.decisions), set-based: one query per channel per 10,000 people."""
    ids = [str(subject_id) for subject_id in dict.fromkeys(subject_ids)]
    purpose = purpose_get(Purpose.Code.MARKETING_THIRD_PARTY)
    allowed: set[str] = set()
    for start in range(0, len(ids), IDENTIFIER_BATCH_LIMIT):
        batch = ids[start : start + IDENTIFIER_BATCH_LIMIT]
        for channel in purpose.channels:
            for decision in consent_decisions(purpose=purpose.code, channel=channel, identifiers=batch):
                if decision.allowed:
                    allowed.add(decision.identifier)
    return [subject_id for subject_id in ids if subject_id not in allowed]


def disclosure_validate(
    *, basis: str, data_categories: list[str], subject_ids: Iterable, disclosure: Disclosure | None = None
) -> None:
    """Raise ValidationError if this disclosure may not be recorded (the admin's form asks first).

    Correcting a recorded partner-marketing disclosure checks only the people it adds: those
    already on it had the grant when it was recorded, and a later withdrawal must not stop a
    typo in its reference from being fixed."""
    if basis not in Disclosure.Basis.values:
        raise ValidationError({"basis": _("Must be one of: %s.") % ", ".join(Disclosure.Basis.values)})
    unknown = sorted(set(data_categories) - set(DataCategory.values))
    if not data_categories or unknown:
        raise ValidationError({"data_categories": _("Choose one or more of: %s.") % ", ".join(DataCategory.values)})
    if basis != Disclosure.Basis.PARTNER_MARKETING:
        return
    if disclosure is not None and disclosure.pk is not None:
        recorded = Disclosure.objects.filter(pk=disclosure.pk, basis=Disclosure.Basis.PARTNER_MARKETING)
        already = {str(pk) for pk in recorded.values_list("subjects", flat=True) if pk is not None}
        subject_ids = [subject_id for subject_id in subject_ids if str(subject_id) not in already]
    refused = subjects_without_marketing_grant(subject_ids=subject_ids)
    if refused:
        shown = ", ".join(refused[:REFUSAL_NAMES_SHOWN])
        more = len(refused) - REFUSAL_NAMES_SHOWN
        message = _(
            "Partner marketing needs each person's current consent to partners' marketing. "
            "These people have not given it: %(subjects)s."
        ) % {"subjects": shown}
        if more > 0:
            message += " " + _("And %(count)d more.") % {"count": more}
        raise ValidationError({"subjects": message})


@transaction.atomic
def disclosure_save(
    *,
    third_party: ThirdParty,
    basis: str,
    data_categories: list[str],
    subjects: Iterable[Subject],
    disclosed_at: datetime.datetime,
    reference: str = "",
    note: str = "",
    actor: str = "",
    disclosure: Disclosure | None = None,
) -> Disclosure:
    """Record a disclosure, with the people it concerned; with `disclosure`, save that instance
    (a new one the admin built, or a recorded one being corrected).

    A partner-marketing disclosure is refused, naming them, if any of those people has not
    granted partners' marketing: the register must never show a sale the person did not allow."""
    subject_ids = [subject.pk for subject in subjects]
    categories = list(dict.fromkeys(data_categories))
    disclosure_validate(basis=basis, data_categories=categories, subject_ids=subject_ids, disclosure=disclosure)
    disclosure = disclosure if disclosure is not None else Disclosure()
    if disclosure.pk is None:
        disclosure.recorded_by = actor[:100]
    disclosure.third_party = third_party
    disclosure.basis = basis
    disclosure.data_categories = categories
    disclosure.disclosed_at = disclosed_at
    disclosure.reference = reference
    disclosure.note = note
    disclosure.save()
    disclosure.subjects.set(subject_ids)
    return disclosure


def disclosures_for_subject(*, subject: Subject) -> QuerySet[Disclosure]:
    """Every disclosure naming this person, oldest first (their access export, the register)."""
    return Disclosure.objects.filter(subjects=subject).select_related("third_party").order_by("disclosed_at", "pk")


def _category(code: str) -> dict:
    return {"code": code, "label": str(DataCategory(code).label)}


def answer_1798_83(*, subject: Subject, year: int) -> dict:
    """California Civil Code 1798.83: for calendar year `year` (the one before the request),
    the categories of personal information disclosed about the person to third parties for
    their direct marketing, and those third parties' names and addresses; from the register,
    where such disclosures have the basis "partner marketing with consent".

    Years are counted in UTC. Labels are in the active language."""
    start = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=datetime.UTC)
    disclosures = disclosures_for_subject(subject=subject).filter(
        basis=Disclosure.Basis.PARTNER_MARKETING, disclosed_at__gte=start, disclosed_at__lt=end
    )
    parties: dict[int, dict] = {}
    all_categories: set[str] = set()
    for disclosure in disclosures:
        party = disclosure.third_party
        entry = parties.setdefault(
            party.pk,
            {
                "name": party.name,
                "address": party.address,
                "country": party.country.code,
                "country_name": str(party.country.name),
                "categories": set(),
                "disclosures": 0,
            },
        )
        entry["categories"].update(disclosure.data_categories)
        entry["disclosures"] += 1
        all_categories.update(disclosure.data_categories)
    order = {code: position for position, code in enumerate(DataCategory.values)}

    def ordered(codes: set[str]) -> list[dict]:
        return [_category(code) for code in sorted(codes, key=order.__getitem__)]

    third_parties = [
        {**entry, "categories": ordered(entry["categories"])}
        for entry in sorted(parties.values(), key=lambda entry: entry["name"].lower())
    ]
    return {
        "subject": str(subject.pk),
        "year": year,
        "period": {"start": start.date().isoformat(), "end": (end - datetime.timedelta(days=1)).date().isoformat()},
        "categories": ordered(all_categories),
        "third_parties": third_parties,
    }
