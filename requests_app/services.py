"""The one place subject requests are opened, verified, moved and answered.

Every write is one transaction: the request's row, its RequestEvent, the emails to the
requester (the outbox) and the ledger/suppression changes of a fulfilment are written
together or not at all. Side effects outside the database (the export task) are
scheduled after the commit."""

from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consent.accounts.identity import InvalidIdentifier, canonical_email, canonical_phone
from consent.accounts.models import ProfileChange, Subject, User
from consent.accounts.services import (
    subject_create_unidentified,
    subject_get_or_create,
    subject_get_or_create_by_phone,
    user_profile_update,
)
from consent.ledger.models import ConsentEvent, Purpose
from consent.ledger.services import consent_record_for_person
from consent.suppression.models import SuppressionEntry
from consent.suppression.scopes import scope_choices
from consent.suppression.services import suppression_add_digests
from requests_app import deadlines, disclosures
from requests_app.common import (
    VERIFY_SALT,
    LinkInvalid,
    RequestActor,
    TransitionRefused,
    due_recompute,
    event_write,
    letters_purge,
    link_unsign,
    requester_tell,
    verification_url,
)
from requests_app.models import (
    OPEN_STATUSES,
    REFERENCE_SEQUENCE,
    AccessExport,
    RequestEvent,
    RequestLetter,
    SubjectRequest,
)
from requests_app.selectors import letters_to_post, office_for_country
from requests_app.tasks import build_access_export_task, erase_subject_task

Status = SubjectRequest.Status
Type = SubjectRequest.Type
Method = SubjectRequest.VerificationMethod
Level = SubjectRequest.VerificationLevel

# Which status may follow which. Awaiting verification becomes open only through
# request_verify; expired only through requests_expire_unverified.
TRANSITIONS: dict[str, set[str]] = {
    Status.AWAITING_VERIFICATION: {Status.REJECTED, Status.WITHDRAWN},
    Status.OPEN: {Status.IN_PROGRESS, Status.AWAITING_REQUESTER, Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN},
    Status.IN_PROGRESS: {Status.AWAITING_REQUESTER, Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN},
    Status.AWAITING_REQUESTER: {Status.IN_PROGRESS, Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN},
}
# What each verification method proves.
METHOD_LEVELS = {
    Method.EMAIL_LINK: Level.BASIC,
    Method.ACCOUNT_LOGIN: Level.SUBSTANTIAL,
    Method.MATCHED_DATA: Level.SUBSTANTIAL,
    Method.ID_DOCUMENT_SEEN: Level.HIGH,
}
# The objections, applied on verification: the ledger purposes they withdraw and the
# suppression scope (purpose; None = all marketing) they add, if the purpose contacts people.
OBJECTIONS: dict[str, tuple[str | None, bool]] = {
    Type.OBJECTION_MARKETING: (None, True),
    Type.OBJECTION_THIRD_PARTY: (Purpose.Code.MARKETING_THIRD_PARTY, True),
    Type.OBJECTION_SALE: (Purpose.Code.TRANSFER_IN_SALE, False),
}
STAFF_CHANNELS = {SubjectRequest.Channel.PHONE, SubjectRequest.Channel.MAIL, SubjectRequest.Channel.EMAIL}
# A person who phoned or wrote may have no email address: they are answered by letter.
POSTAL_CHANNELS = {SubjectRequest.Channel.PHONE, SubjectRequest.Channel.MAIL}


def _reference_next(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [REFERENCE_SEQUENCE])
        return f"SR-{year}-{cursor.fetchone()[0]:06d}"


def _locked(request: SubjectRequest) -> SubjectRequest:
    return SubjectRequest.objects.select_for_update().get(pk=request.pk)


# --------------------------------------------------------------------------- intake
class CheckedRequest(NamedTuple):
    """A new request's contact data and routing as request_submission_check accepted them."""

    email: str
    phone: str
    language: str
    country: str


@transaction.atomic
def request_submission_check(
    *,
    type: str,
    channel: str,
    email: str,
    phone: str = "",
    address: str = "",
    details: str = "",
    country: str = "",
    language: str = "",
    staff: bool = False,
    verification_method: str = "",
) -> CheckedRequest:
    """The rules a new request must meet, before anything is written: raises ValidationError
    naming the field, or returns the canonical email and phone, the language and the country.
    Forms call it in their clean() so a refusal is shown on the form, not raised after it.

    An email address is required, except from a person who phoned or wrote to staff: they may
    be reached by phone or post instead (POSTAL_CHANNELS), but must be reachable somehow."""
    if type not in Type.values:
        raise ValidationError({"type": _("Must be one of: %s.") % ", ".join(Type.values)})
    if channel not in SubjectRequest.Channel.values:
        raise ValidationError({"channel": _("Must be one of: %s.") % ", ".join(SubjectRequest.Channel.values)})
    if staff and channel not in STAFF_CHANNELS:
        raise ValidationError({"channel": _("Staff record phone, mail and email requests.")})
    if verification_method and verification_method not in Method.values:
        raise ValidationError({"verification_method": _("Must be one of: %s.") % ", ".join(Method.values)})
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    country = (country or "").upper()[:2]
    without_email = staff and channel in POSTAL_CHANNELS and not (email or "").strip()
    if without_email and not (phone or "").strip() and not (address or "").strip():
        raise ValidationError(
            {
                "email": _(
                    "Give at least one way to reach the requester: an email address, a phone number or a postal address."
                )
            }
        )
    try:
        email = "" if without_email else canonical_email(email)
    except InvalidIdentifier as exc:
        raise ValidationError({"email": str(exc)}) from None
    try:
        phone = canonical_phone(phone, region=country or None) if (phone or "").strip() else ""
    except InvalidIdentifier as exc:
        raise ValidationError({"phone": str(exc)}) from None
    if type in (Type.COMPLAINT, Type.QUESTION, Type.CORRECTION) and not details.strip():
        raise ValidationError({"details": _("Tell us what your request is about.")})
    return CheckedRequest(email=email, phone=phone, language=language, country=country)


def _requester_subject(*, checked: CheckedRequest, user: User | None) -> Subject:
    """The person the request is about: the signed-in user's; else found by the email address,
    or by the phone number of a requester who has none; else, for a name and postal address
    only, a new subject (there is no identifier to find an earlier one by)."""
    if user is not None:
        return Subject.objects.filter(user=user).first() or subject_get_or_create(email=user.email)
    if checked.email:
        return subject_get_or_create(email=checked.email)
    if checked.phone:
        return subject_get_or_create_by_phone(phone=checked.phone)
    return subject_create_unidentified()


def request_submit(
    *,
    type: str,
    channel: str,
    email: str = "",
    name: str = "",
    phone: str = "",
    address: str = "",
    details: str = "",
    country: str = "",
    language: str = "",
    user: User | None = None,
    staff: User | None = None,
    verification_method: str = "",
) -> SubjectRequest:
    """Open a request from any channel.

    `user`: the signed-in person (portal): verified by their login. `staff`: a representative
    recording a phone, mail or email request, with the method they verified identity by
    (or none yet). Otherwise (public form, API) the requester is emailed a link to verify.
    A phone or letter requester without an email address is answered by letter."""
    if user is not None:
        email = email or user.email
        name = name or user.get_full_name()
        country = country or str(user.country or "")
        language = language or user.language
    checked = request_submission_check(
        type=type, channel=channel, email=email, phone=phone, address=address, details=details, country=country,
        language=language, staff=staff is not None, verification_method=verification_method,
    )  # fmt: skip
    subject = _requester_subject(checked=checked, user=user)
    if subject.erased_at is not None:
        raise ValidationError({"email" if checked.email else "phone": _("This person's data has been erased.")})
    now = timezone.now()
    request = SubjectRequest(
        reference=_reference_next(now.year),
        type=type,
        subject=subject,
        requester_name=name.strip()[:200],
        requester_email=checked.email,
        requester_phone=checked.phone,
        requester_address=address.strip(),
        details=details.strip(),
        country=checked.country,
        language=checked.language,
        channel=channel,
        office=office_for_country(checked.country),
        received_at=now,
    )
    due_recompute(request)
    request.save()
    actor = RequestActor.staff(staff) if staff is not None else RequestActor.requester()
    event_write(
        request, kind=RequestEvent.Kind.RECEIVED, actor=actor, to_status=request.status, comment=request.details
    )

    with translation.override(checked.language):
        paragraphs = [
            _("We received your request %(reference)s (%(type)s) on %(date)s.")
            % {"reference": request.reference, "type": request.get_type_display(), "date": f"{now:%Y-%m-%d}"},
            _("We will answer by %(due)s.") % {"due": f"{request.due_at:%Y-%m-%d}"},
        ]
        link, by_post = None, None
        if user is None and not (staff is not None and verification_method):
            by_post = [
                *paragraphs,
                _(
                    "Before we act on it, we will contact you to confirm that you made this request. "
                    "Until then nothing is released or changed."
                ),
            ]
            paragraphs.append(
                _(
                    "Before we act on it, please confirm that you made this request by following the link "
                    "below within %(days)d days. Until then nothing is released or changed."
                )
                % {"days": settings.REQUEST_VERIFICATION_DAYS}
            )
            link = (verification_url(request=request), _("Confirm my request"))
        title = _("Your request %(reference)s") % {"reference": request.reference}
    requester_tell(
        request, title=title, paragraphs=paragraphs, link=link, by_post=by_post, key=f"request-received:{request.pk}"
    )

    if user is not None:
        request_verify(request=request, method=Method.ACCOUNT_LOGIN, actor=RequestActor.requester())
    elif staff is not None and verification_method:
        request_verify(request=request, method=verification_method, actor=RequestActor.staff(staff))
    request.refresh_from_db()
    return request


@transaction.atomic
def request_verify(*, request: SubjectRequest, method: str, actor: RequestActor) -> SubjectRequest:
    """The requester proved who they are, for this request only (a second request of the
    same person proves it again). Objections and the 1798.83 answer are fulfilled now."""
    if method not in Method.values:
        raise ValidationError({"verification_method": _("Must be one of: %s.") % ", ".join(Method.values)})
    request = _locked(request)
    if request.status != Status.AWAITING_VERIFICATION:
        raise TransitionRefused(_("Request %(reference)s is not awaiting verification.") % {"reference": request})
    request.status = Status.OPEN
    request.verification_method = method
    request.verification_level = METHOD_LEVELS[method]
    request.verified_at = timezone.now()
    request.verified_by = actor.user
    request.save(update_fields=["status", "verification_method", "verification_level", "verified_at", "verified_by"])
    event_write(
        request,
        kind=RequestEvent.Kind.VERIFIED,
        actor=actor,
        from_status=Status.AWAITING_VERIFICATION,
        to_status=Status.OPEN,
        comment=request.get_verification_method_display(),
    )
    if request.type in OBJECTIONS:
        _objection_apply(request, actor=actor)
    elif request.type == Type.CALIFORNIA_1798_83:
        _answer_1798_83(request)
    return request


def request_verify_link(*, token: str) -> SubjectRequest:
    """Follow the emailed verification link. Raises LinkInvalid (expired or not genuine)."""
    reference = link_unsign(token, salt=VERIFY_SALT, max_age=settings.REQUEST_VERIFICATION_DAYS * 86400)
    with transaction.atomic():
        request = SubjectRequest.objects.select_for_update().filter(reference=reference).first()
        if request is None or request.status not in (Status.AWAITING_VERIFICATION, *OPEN_STATUSES):
            raise LinkInvalid(expired=request is not None and request.status == Status.EXPIRED)
        if request.status == Status.AWAITING_VERIFICATION:
            request_verify(request=request, method=Method.EMAIL_LINK, actor=RequestActor.requester())
        request.refresh_from_db()
        return request


# --------------------------------------------------------------------------- moving
def _released_check(request: SubjectRequest) -> None:
    # The rule of the issue: nothing is released or changed for an unverified request.
    if request.verified_at is None:
        raise TransitionRefused(
            _("Request %(reference)s has not been verified: nothing can be released or changed.")
            % {"reference": request.reference}
        )


@transaction.atomic
def request_transition(
    *, request: SubjectRequest, to: str, actor: RequestActor, comment: str = "", resolution: str = "", reason: str = ""
) -> SubjectRequest:
    """Move a request to status `to`, with its event and the requester's email. Invalid moves,
    a rejection without a reason and a completion before verification are refused."""
    request = _locked(request)
    allowed = TRANSITIONS.get(request.status, set())
    if to not in allowed:
        raise TransitionRefused(
            _("A request that is %(status)s cannot become %(to)s.")
            % {
                "status": request.get_status_display().lower(),
                "to": Status(to).label.lower() if to in Status.values else to,
            }
        )
    reason, resolution, comment = reason.strip(), resolution.strip(), comment.strip()
    if to == Status.REJECTED and not reason:
        raise TransitionRefused(_("Say why the request is rejected: the requester is told."))
    if to == Status.COMPLETED:
        _released_check(request)
        if request.type in (Type.COMPLAINT, Type.QUESTION) and not resolution:
            raise TransitionRefused(_("Write the answer: it is sent to the requester."))
        if request.type == Type.CORRECTION and not resolution and not _applied(request):
            raise TransitionRefused(_("Apply the correction, or write why nothing was changed."))
    now = timezone.now()
    previous = request.status
    if previous == Status.AWAITING_REQUESTER and request.paused_at is not None:
        request.paused_for += now - request.paused_at
        request.paused_at = None
        due_recompute(request)
    if to == Status.AWAITING_REQUESTER:
        request.paused_at = now
    request.status = to
    if resolution:
        request.resolution = resolution
    if to == Status.REJECTED:
        request.rejection_reason = reason
    if to in (Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN):
        request.closed_at = now
    request.save()
    event_write(
        request,
        kind=RequestEvent.Kind.STATUS,
        actor=actor,
        from_status=previous,
        to_status=to,
        comment=reason or comment or resolution,
    )
    _transitionrequester_tell(request, to=to, comment=comment)
    if to == Status.COMPLETED:
        _complete(request, actor=actor)
    return request


def _applied(request: SubjectRequest) -> bool:
    return request.events.filter(kind=RequestEvent.Kind.APPLIED).exists()


def _transitionrequester_tell(request: SubjectRequest, *, to: str, comment: str) -> None:
    with translation.override(request.language):
        title = _("Your request %(reference)s") % {"reference": request.reference}
        if to == Status.AWAITING_REQUESTER:
            paragraphs = [
                _("We need something from you before we can go on with your request."),
                comment,
                _("The time we have to answer stands still until you reply."),
            ]
        elif to == Status.REJECTED:
            paragraphs = [_("We cannot act on your request, for this reason:"), request.rejection_reason]
        elif to == Status.WITHDRAWN:
            paragraphs = [_("Your request has been withdrawn. Nothing more will be done about it.")]
        elif to == Status.COMPLETED and request.type != Type.ACCESS and request.resolution:
            paragraphs = [_("We have answered your request:"), request.resolution]
        else:
            return
        requester_tell(request, title=title, paragraphs=[p for p in paragraphs if p])


def _complete(request: SubjectRequest, *, actor: RequestActor) -> None:
    """What completing a request does beyond its status."""
    if request.type == Type.ACCESS:
        build_access_export_task.delay_on_commit(request.pk)
    elif request.type == Type.DELETION:
        # After the commit, on a worker: the erasure tells the person before their address goes,
        # and runs in transactions of its own (requests_app.erasure).
        erase_subject_task.delay_on_commit(request.pk)


@transaction.atomic
def request_comment(*, request: SubjectRequest, actor: RequestActor, comment: str) -> RequestEvent:
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Write a comment.")})
    return event_write(request, kind=RequestEvent.Kind.COMMENT, actor=actor, comment=comment)


@transaction.atomic
def request_assign(*, request: SubjectRequest, assignee: User | None, actor: RequestActor) -> SubjectRequest:
    request = _locked(request)
    if assignee is not None and not assignee.is_staff:
        raise ValidationError({"assignee": _("Requests are assigned to staff members.")})
    request.assignee = assignee
    request.save(update_fields=["assignee"])
    event_write(
        request,
        kind=RequestEvent.Kind.ASSIGNED,
        actor=actor,
        comment=assignee.get_username() if assignee else _("unassigned"),
    )
    return request


@transaction.atomic
def request_extend(*, request: SubjectRequest, actor: RequestActor, reason: str) -> SubjectRequest:
    """Extend the deadline once, as far as the jurisdiction allows, with a reason the requester
    is told now (which must be within the jurisdiction's notice period)."""
    request = _locked(request)
    reason = reason.strip()
    rule = deadlines.deadline_for(country=str(request.country or ""), type=request.type)
    if request.status not in OPEN_STATUSES:
        raise TransitionRefused(_("Only an open request can be extended."))
    if rule.extension is None:
        raise TransitionRefused(_("This kind of request cannot be extended."))
    if request.extended_at is not None:
        raise TransitionRefused(_("The deadline has already been extended once."))
    if not reason:
        raise TransitionRefused(_("Say why more time is needed: the requester is told."))
    now = timezone.now()
    if rule.extension_notice_within and now > rule.extension_notice_within.after(request.received_at):
        raise TransitionRefused(_("Too late: the requester must be told of an extension within the first period."))
    request.extended_at = now
    request.extension_reason = reason
    request.extension_told_at = now
    due_recompute(request)
    request.save(update_fields=["extended_at", "extension_reason", "extension_told_at", "due_at"])
    event_write(request, kind=RequestEvent.Kind.EXTENDED, actor=actor, comment=reason)
    with translation.override(request.language):
        requester_tell(
            request,
            title=_("Your request %(reference)s") % {"reference": request.reference},
            paragraphs=[
                _("We need more time to answer your request. We will answer by %(due)s.")
                % {"due": f"{request.due_at:%Y-%m-%d}"},
                reason,
            ],
        )
    return request


# --------------------------------------------------------------------------- fulfilment
def _objection_apply(request: SubjectRequest, *, actor: RequestActor) -> None:
    """Withdraw in the ledger and suppress the address, then complete: no staff action needed."""
    purpose, suppress = OBJECTIONS[request.type]
    staff_recorded = request.channel in STAFF_CHANNELS
    source = ConsentEvent.Source.REPRESENTATIVE if staff_recorded else ConsentEvent.Source.PORTAL
    if request.channel == SubjectRequest.Channel.API:
        source = ConsentEvent.Source.API
    ledger_actor = actor.ledger_actor()
    choices = scope_choices(purpose=purpose, channel=None)
    for choice_purpose, channel in choices:
        consent_record_for_person(
            subject_id=str(request.subject_id),
            purpose=choice_purpose,
            channel=channel,
            decision=ConsentEvent.Decision.WITHDRAWN,
            source=source,
            actor=ledger_actor,
        )
    if suppress and request.subject.email_digest:
        suppression_add_digests(
            digests=[bytes(request.subject.email_digest)],
            purpose=purpose,
            channel=None,
            # A person's objection is a legal right, not an unsubscribe link (whose undo would lift it).
            reason=SuppressionEntry.Reason.REPRESENTATIVE if staff_recorded else SuppressionEntry.Reason.LEGAL,
            source=f"Subject request {request.reference}",
            actor=ledger_actor,
            ledger_source_override=source,
        )
    with translation.override(request.language):
        resolution = _("Done: %(objection)s is recorded and applies from now on.") % {
            "objection": request.get_type_display()
        }
    request_transition(request=request, to=Status.COMPLETED, actor=RequestActor.system(), resolution=resolution)


def _answer_text(answer: dict) -> str:
    """The register's answer (requests_app.disclosures.answer_1798_83) as lines a person reads."""
    parties = answer.get("third_parties") or []
    if not parties:
        return _("We did not disclose your personal information to any third party for its direct marketing.")
    lines = [
        _("Categories of information: %(categories)s")
        % {"categories": ", ".join(str(c["label"]) for c in answer.get("categories", []))}
    ]
    for party in parties:
        where = ", ".join(part for part in (party.get("address", ""), party.get("country_name", "")) if part)
        what = ", ".join(str(c["label"]) for c in party.get("categories", []))
        lines.append(f"- {party['name']}, {where}: {what}")
    return "\n".join(lines)


def _answer_1798_83(request: SubjectRequest) -> None:
    """One answer per person per calendar year (1798.83(c)); a second request that year is
    answered with the rule, not with a new answer."""
    year = request.received_at.year
    earlier = (
        SubjectRequest.objects.filter(
            subject=request.subject, type=Type.CALIFORNIA_1798_83, status=Status.COMPLETED, received_at__year=year
        )
        .exclude(pk=request.pk)
        .first()
    )
    with translation.override(request.language):
        if earlier is not None:
            reason = _(
                "California law (Civil Code 1798.83) entitles you to this information once per calendar year. "
                "We answered your request %(earlier)s in %(year)d; you may ask again from 1 January %(next)d."
            ) % {"earlier": earlier.reference, "year": year, "next": year + 1}
            request_transition(request=request, to=Status.REJECTED, actor=RequestActor.system(), reason=reason)
            return
        answer = disclosures.answer_1798_83(subject=request.subject, year=year - 1)
        resolution = _("Disclosures of your personal information for direct marketing in %(year)d:") % {
            "year": year - 1
        }
        resolution = f"{resolution}\n{_answer_text(answer)}"
    request_transition(request=request, to=Status.COMPLETED, actor=RequestActor.system(), resolution=resolution)


@transaction.atomic
def request_correction_apply(*, request: SubjectRequest, changes: dict, actor: RequestActor) -> list[str]:
    """Apply a verified correction to the person's profile through the profile service (so
    their history records it), note it on the request and tell the requester."""
    request = _locked(request)
    if request.type != Type.CORRECTION:
        raise TransitionRefused(_("Only a correction request changes a profile."))
    _released_check(request)
    if request.status not in OPEN_STATUSES:
        raise TransitionRefused(_("The request is closed."))
    user = request.subject.user
    if user is None:
        raise TransitionRefused(_("This person has no account with a profile to correct."))
    changed = user_profile_update(
        user=user, changes=changes, source=ProfileChange.Source.REPRESENTATIVE, actor=actor.label
    )
    event_write(request, kind=RequestEvent.Kind.APPLIED, actor=actor, comment=", ".join(changed))
    with translation.override(request.language):
        requester_tell(
            request,
            title=_("Your request %(reference)s") % {"reference": request.reference},
            paragraphs=[
                _("We corrected your details: %(fields)s.") % {"fields": ", ".join(changed) or _("nothing changed")}
            ],
        )
    return changed


@transaction.atomic
def request_letter_mark_posted(*, letter: RequestLetter, actor: RequestActor) -> RequestLetter:
    """Staff put the letter in the post: recorded once, on the request's timeline. The last
    letter of a completed deletion posted, the erasure it waited for begins."""
    letter = RequestLetter.objects.select_for_update().select_related("request").get(pk=letter.pk)
    request = letter.request
    if letter.posted_at is not None:
        raise TransitionRefused(_("This letter was posted on %(date)s.") % {"date": f"{letter.posted_at:%Y-%m-%d}"})
    if request.contact_purged_at is not None:
        raise TransitionRefused(_("The requester's contact data has been removed: the letter cannot be posted."))
    letter.posted_at = timezone.now()
    letter.posted_by = actor.label[:254]
    letter.save(update_fields=["posted_at", "posted_by"])
    event_write(request, kind=RequestEvent.Kind.LETTER_POSTED, actor=actor, comment=letter.title)
    if request.type == Type.DELETION and request.status == Status.COMPLETED:
        if not letters_to_post(request=request).exists():
            erase_subject_task.delay_on_commit(request.pk)
    return letter


# --------------------------------------------------------------------------- housekeeping
def request_contact_data_purge(*, subject: Subject) -> int:
    """Blank the contact data and free text on this person's requests, their events' texts
    and their letters; reference, type, dates and statuses stay. Returns the requests purged."""
    with transaction.atomic():
        requests = SubjectRequest.objects.filter(subject=subject)
        RequestEvent.objects.filter(request__in=requests).exclude(comment="").update(comment="")
        letters_purge(requests=requests)
        AccessExport.objects.filter(request__in=requests).delete()
        return requests.update(
            requester_name="",
            requester_email="",
            requester_phone="",
            requester_address="",
            details="",
            resolution="",
            rejection_reason="",
            extension_reason="",
            contact_purged_at=timezone.now(),
        )
