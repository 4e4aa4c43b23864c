"""Reading the consent ledger: purposes, a person's explicit choices now or on a past date, history."""

import time
from datetime import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from consent.accounts.models import Subject
from consent.ledger.models import ConsentEvent, ConsentState, Purpose

_PURPOSE_CACHE_SECONDS = 60
_purpose_cache: tuple[float, dict[str, Purpose]] = (0.0, {})


def purposes_by_code() -> dict[str, Purpose]:
    """All purposes, cached briefly per process: the hot path must not query nine static rows."""
    global _purpose_cache
    loaded_at, purposes = _purpose_cache
    if time.monotonic() - loaded_at > _PURPOSE_CACHE_SECONDS or not purposes:
        purposes = {purpose.code: purpose for purpose in Purpose.objects.all()}
        _purpose_cache = (time.monotonic(), purposes)
    return purposes


def purpose_get(code: str) -> Purpose:
    purpose = purposes_by_code().get(code)
    if purpose is None:
        raise ValidationError(
            {
                "purpose": _("Unknown purpose '%(code)s'. Known: %(known)s.")
                % {"code": code, "known": ", ".join(Purpose.Code.values)}
            }
        )
    return purpose


class ExplicitChoice(NamedTuple):
    decision: str
    event_id: int
    at: datetime


def consent_choices_explicit(*, subject: Subject, at: datetime | None = None) -> dict[tuple, ExplicitChoice]:
    """{(purpose code, channel or None): the person's last choice}, now (from ConsentState)
    or as it stood at `at` (from the events up to then)."""
    if at is None:
        rows = ConsentState.objects.filter(subject=subject).values_list(
            "purpose_id", "channel", "decision", "event_id", "updated_at"
        )
    else:
        rows = (
            ConsentEvent.objects.filter(subject=subject, occurred_at__lte=at)
            .order_by("purpose_id", "channel", "-id")
            .distinct("purpose_id", "channel")
            .values_list("purpose_id", "channel", "decision", "id", "occurred_at")
        )
    return {
        (purpose_id, channel): ExplicitChoice(decision, event_id, when)
        for purpose_id, channel, decision, event_id, when in rows
    }


def consent_history(*, subject: Subject) -> QuerySet[ConsentEvent]:
    return (
        ConsentEvent.objects.filter(subject=subject)
        .select_related("evidence", "policy_version__document")
        .order_by("id")
    )
