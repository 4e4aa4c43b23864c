"""What the request services share: who acted, the requester's links, the timeline's
append and the requester's emails."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from consent.accounts.models import User
from consent.ledger.services import Actor
from consent.notifications.services import email_queue
from requests_app import deadlines
from requests_app.models import RequestEvent, SubjectRequest

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
    request: SubjectRequest, *, title: str, paragraphs: list[str], link: tuple[str, str] | None = None, key=None
):
    """Email the requester, in their language, about their request (through the outbox)."""
    if not request.requester_email:
        return None
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


def due_recompute(request: SubjectRequest) -> None:
    request.due_at = deadlines.due_at(
        country=str(request.country or ""),
        type=request.type,
        received_at=request.received_at,
        extended=request.extended_at is not None,
        paused_for=request.paused_for,
    )
