"""Reads: which material changes a visitor is told about, what a signed-in person has
still to accept, and how far a notice run has got."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from consent.accounts.models import User
from consent.ledger.models import ConsentEvent, Purpose
from consent.notices.models import NoticeRun
from consent.notifications.models import OutboundEmail
from consent.policies.models import PolicyVersion
from consent.policies.selectors import policy_text, policy_version_previous
from consent.portal.selectors import ShownPolicy, policy_version_accepted, privacy_policy_shown
from consent.portal.services import subject_for_user

NOTICE_TEMPLATE = "policy_notice"


def notice_dedupe_key(*, version_id: int, user_id: int) -> str:
    """The outbox key that makes a person's notice of a version one email, however often it is queued."""
    return f"policy-notice:{version_id}:{user_id}"


# --- the notice on every page -----------------------------------------------------------------


@dataclass(frozen=True)
class VisitorNotice:
    version: PolicyVersion
    title: str
    summary: str
    changes_url: str


def policy_version_changes_url(*, version: PolicyVersion) -> str:
    """The page showing what changed: the diff from the version it followed, else the version itself."""
    previous = policy_version_previous(version=version)
    if previous is None:
        return version.get_absolute_url()
    return reverse("policies:diff", kwargs={"slug": version.document.slug, "pk": previous.pk, "other_pk": version.pk})


def policy_notices_for_visitor(*, country: str, language: str, dismissed: set[int]) -> list[VisitorNotice]:
    """The material versions in force for a reader in `country`, published within
    POLICY_NOTICE_DAYS and not dismissed, in `language`. One query when there is none."""
    since = timezone.now() - datetime.timedelta(days=settings.POLICY_NOTICE_DAYS)
    country = (country or "").upper()
    in_force = (
        PolicyVersion.objects.select_related("document")
        .filter(status=PolicyVersion.Status.PUBLISHED, country__in={country, ""})
        .defer(*(f"body_{code}" for code, _name in settings.LANGUAGES), "body")
    )
    # A country's own version replaces the one for everywhere, material or not.
    by_document: dict[int, PolicyVersion] = {}
    for version in sorted(in_force, key=lambda v: v.country == ""):
        by_document.setdefault(version.document_id, version)
    notices = []
    for version in sorted(by_document.values(), key=lambda v: v.document.slug):
        if not version.is_material or version.published_at < since or version.pk in dismissed:
            continue
        text = policy_text(version=version, language=language)
        notices.append(
            VisitorNotice(
                version=version,
                title=text["title"],
                summary=text["summary_of_changes"],
                changes_url=policy_version_changes_url(version=version),
            )
        )
    return notices


# --- acceptance at login ------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingUpdate:
    """The privacy policy version in force for a person that they have not accepted:
    `material` (they must answer) or not (accepted by continued use)."""

    shown: ShownPolicy
    material: bool
    accepted: PolicyVersion | None


def policy_update_pending(*, user: User, language: str) -> PendingUpdate | None:
    """What the person has to accept, if anything.

    Nothing when the version in force is the one they last accepted, or was published
    before their last acceptance (or, with none recorded, before they registered): they
    accepted or registered under it. Otherwise it is material if it, or any version
    published since then, was a material change."""
    shown = privacy_policy_shown(country=str(user.country or ""), language=language)
    if shown is None:
        return None
    accepted, accepted_at = policy_version_accepted(subject=subject_for_user(user))
    if accepted is not None and accepted.pk == shown.version.pk:
        return None
    since = accepted_at or user.registered_at
    if shown.version.published_at <= since:
        return None
    material = PolicyVersion.objects.filter(
        document_id=shown.version.document_id,
        country__in={shown.version.country, ""},
        status__in=(PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.RETIRED),
        published_at__gt=since,
        is_material=True,
    ).exists()
    return PendingUpdate(shown=shown, material=material, accepted=accepted)


def policy_update_answer(*, user: User, version_id: int) -> ConsentEvent | None:
    """The person's acceptance of a version (a primary-use grant citing it), if recorded."""
    subject = subject_for_user(user)
    return (
        ConsentEvent.objects.filter(
            subject=subject,
            purpose_id=Purpose.Code.PRIMARY_USE,
            decision=ConsentEvent.Decision.GRANTED,
            policy_version_id=version_id,
        )
        .order_by("-id")
        .first()
    )


# --- notice runs --------------------------------------------------------------------------------


def notice_recipients():
    """The users a notice goes to: every active account with an address."""
    return User.objects.filter(is_active=True).exclude(email="")


def notice_run_get(*, version: PolicyVersion) -> NoticeRun | None:
    return NoticeRun.objects.filter(version=version).first()


def notice_run_sent_count(*, run: NoticeRun) -> int:
    """Emails of the run the outbox has sent (read from the outbox, which owns sending)."""
    return OutboundEmail.objects.filter(
        template=NOTICE_TEMPLATE,
        dedupe_key__startswith=f"policy-notice:{run.version_id}:",
        status=OutboundEmail.Status.SENT,
    ).count()
