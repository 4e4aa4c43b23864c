"""What the request services share: who acted, the requester's links, the timeline's
append and the messages to the requester (emails, or letters where there is no address)."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from consent.accounts.models import User
from consent.ledger.services import Actor
from consent.notifications.services import email_queue
from requests_app import deadlines
from requests_app.models import RequestEvent, RequestLetter, SubjectRequest

VERIFY_SALT = "requests_app.verify"
ACCESS_SALT = "requests_app.access"


class TransitionRefused(ValidationError):
    """The request cannot move that way (wrong status, missing reason, not verified)."""


@dataclass(frozen=True)
class RequestActor:
    """Who acted on a request: the label kept in its timeline, and the staff user if any."""

    label: str
    user: User | None = None

    @classmethod
    def requester(cls) -> "RequestActor":
        return cls("requester")

    @classmethod
    def system(cls) -> "RequestActor":
        return cls("system")

    @classmethod
    def staff(cls, user: User) -> "RequestActor":
        return cls(f"staff:{user.get_username()}", user)

    @classmethod
    def api_key(cls, api_key) -> "RequestActor":
        return cls(f"api_key:{api_key.prefix}")

    def ledger_actor(self) -> Actor:
        if self.user is not None:
            return Actor.staff(self.user)
        return Actor.subject() if self.label == "requester" else Actor.system("requests")


def absolute_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def verification_url(*, request: SubjectRequest) -> str:
    token = signing.TimestampSigner(salt=VERIFY_SALT).sign(request.reference)
    return absolute_url(reverse("requests:verify", args=[token]))


def access_url(*, request: SubjectRequest, path: str = "status") -> str:
    """A link that opens the request's status page (or its download) for the requester."""
    token = signing.TimestampSigner(salt=ACCESS_SALT).sign(request.reference)
    return absolute_url(f"{reverse(f'requests:{path}', args=[request.reference])}?t={token}")


class LinkInvalid(Exception):
    def __init__(self, *, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def link_unsign(token: str, *, salt: str, max_age: int) -> str:
    try:
        return signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkInvalid(expired=True) from None
    except signing.BadSignature:
        raise LinkInvalid(expired=False) from None


def access_token_check(*, token: str, reference: str) -> bool:
    """Whether `token` is a fresh emailed link to this request (REQUEST_LINK_MAX_AGE_DAYS)."""
    try:
        return link_unsign(token, salt=ACCESS_SALT, max_age=settings.REQUEST_LINK_MAX_AGE_DAYS * 86400) == reference
    except LinkInvalid:
        return False


# --------------------------------------------------------------------------- helpers
def event_write(
    request: SubjectRequest, *, kind: str, actor: RequestActor, comment: str = "", **statuses
) -> RequestEvent:
    return RequestEvent.objects.create(request=request, kind=kind, actor=actor.label[:254], comment=comment, **statuses)


def requester_tell(
    request: SubjectRequest,
    *,
    title: str,
    paragraphs: list[str],
    link: tuple[str, str] | None = None,
    key=None,
    by_post: list[str] | None = None,
):
    """Tell the requester about their request, in their language: by email through the outbox,
    or, when they gave no email address (a phone or letter request), as a letter for staff to
    print and post. `by_post` replaces `paragraphs` in a letter where those speak of `link`,
    which a letter cannot carry. Call it inside the transaction of the change it reports."""
    if request.contact_purged_at is not None:
        return None
    if not request.requester_email:
        return letter_write(request, title=title, paragraphs=by_post or paragraphs, key=key)
    return email_queue(
        to=request.requester_email,
        template="subject_request",
        context={
            "reference": request.reference,
            "name": request.requester_name,
            "title": title,
            "paragraphs": paragraphs,
            "link_url": link[0] if link else "",
            "link_label": link[1] if link else "",
            "status_url": access_url(request=request),
        },
        language=request.language,
        subject=request.subject,
        dedupe_key=key,
    )


def letter_write(request: SubjectRequest, *, title: str, paragraphs: list[str], key=None) -> RequestLetter:
    """The letter the email would have been: the same greeting, paragraphs and reference, in
    the requester's language, addressed to them as they are now. Once per `key`."""
    key = (key or "")[:100]
    if key:
        existing = RequestLetter.objects.filter(request=request, key=key).first()
        if existing is not None:
            return existing
    context = {
        "name": request.requester_name,
        "paragraphs": [p for p in paragraphs if p],
        "reference": request.reference,
    }
    with translation.override(request.language):
        body = render_to_string("requests_app/letter_body.txt", context)
    return RequestLetter.objects.create(
        request=request,
        language=request.language,
        recipient_name=request.requester_name,
        recipient_address=request.requester_address,
        title=str(title)[:255],
        body=body.strip(),
        key=key,
    )


def letters_purge(*, requests) -> int:
    """Blank the name, address and text of the letters to these requests (the contact data
    purge and the expiry of unverified requests); the title (a reference) and dates stay."""
    return (
        RequestLetter.objects.filter(request__in=requests)
        .exclude(recipient_name="", recipient_address="", body="")
        .update(recipient_name="", recipient_address="", body="")
    )


def due_recompute(request: SubjectRequest) -> None:
    request.due_at = deadlines.due_at(
        country=str(request.country or ""),
        type=request.type,
        received_at=request.received_at,
        extended=request.extended_at is not None,
        paused_for=request.paused_for,
    )
