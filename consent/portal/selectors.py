"""Reads for the portal's pages: the policy a visitor is shown, a person's choices and history."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from consent.accounts.models import ProfileChange, Subject, User
from consent.decisions.rules import ChoiceState, Reason, consent_state
from consent.ledger.models import Channel, ConsentEvent, Purpose
from consent.ledger.selectors import consent_history
from consent.policies.models import PolicyDocument, PolicyVersion
from consent.policies.selectors import policy_document_for_kind, policy_text, policy_version_current

# The purposes a person chooses at registration, each per channel.
REGISTRATION_PURPOSES = (Purpose.Code.MARKETING_OWN, Purpose.Code.MARKETING_THIRD_PARTY)


@dataclass(frozen=True)
class ShownPolicy:
    version: PolicyVersion
    text: dict  # policy_text(...): title, body, language served, content_hash …


def privacy_policy_shown(*, country: str = "", language: str) -> ShownPolicy | None:
    """The privacy policy version in force for a reader in `country`, as shown in `language`."""
    document = policy_document_for_kind(kind=PolicyDocument.Kind.PRIVACY_POLICY)
    if document is None:
        return None
    version = policy_version_current(slug=document.slug, country=country or "")
    if version is None:
        return None
    return ShownPolicy(version, policy_text(version=version, language=language))


def channel_choices(*, purpose: Purpose) -> list[tuple[str, str]]:
    """(value, translated label) for each channel of `purpose`, in the Channel enum's order."""
    return [(channel.value, channel.label) for channel in Channel if channel.value in purpose.channels]


@dataclass(frozen=True)
class ChoiceRow:
    """One line of "my choices": a purpose, on one channel or as a whole, and what can be done."""

    purpose: Purpose
    channel: str | None
    state: ChoiceState

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label if self.channel else ""

    @property
    def reason_label(self) -> str:
        return Reason.LABELS[self.state.reason]

    @property
    def can_withdraw(self) -> bool:
        return self.purpose.withdrawable and self.state.allowed

    @property
    def can_grant(self) -> bool:
        # A do-not-contact entry wins over any grant: granting would change nothing.
        return not self.state.allowed and self.state.reason not in (Reason.SUPPRESSED, Reason.ERASED)


@dataclass(frozen=True)
class PurposeChoices:
    purpose: Purpose
    rows: list[ChoiceRow]


def portal_choices(*, subject: Subject) -> list[PurposeChoices]:
    """Every purpose with its current state: per channel for purposes that contact people."""
    result = []
    for state in consent_state(subject=subject):
        if state.purpose.channels:
            rows = [ChoiceRow(state.purpose, choice.channel, choice) for choice in state.channels]
        else:
            rows = [ChoiceRow(state.purpose, None, state.overall)]
        result.append(PurposeChoices(state.purpose, rows))
    return result


def portal_history(*, subject: Subject) -> QuerySet[ConsentEvent]:
    """The person's consent events, newest first."""
    return consent_history(subject=subject).order_by("-id")


def profile_history(*, user: User) -> QuerySet[ProfileChange]:
    return ProfileChange.objects.filter(user=user).order_by("-changed_at")


def policy_version_accepted(*, subject: Subject) -> tuple[PolicyVersion | None, datetime | None]:
    """The policy version the person last accepted (their latest primary-use grant) and when."""
    event = (
        ConsentEvent.objects.filter(
            subject=subject,
            purpose_id=Purpose.Code.PRIMARY_USE,
            decision=ConsentEvent.Decision.GRANTED,
            policy_version__isnull=False,
        )
        .select_related("policy_version__document")
        .order_by("-id")
        .first()
    )
    return (event.policy_version, event.occurred_at) if event else (None, None)
