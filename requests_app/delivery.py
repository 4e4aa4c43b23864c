"""Delivering an access request's copy: built by a task after completion, downloaded by its
requester only, every download on the request's timeline."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from requests_app import erasure, export
from requests_app.common import RequestActor, access_url, event_write, requester_tell
from requests_app.models import AccessExport, RequestEvent, SubjectRequest
from requests_app.selectors import letters_to_post, request_serialise

Status = SubjectRequest.Status
Type = SubjectRequest.Type


def request_erasure_perform(*, request_id: int) -> None:
    """Erase the person of a completed, verified deletion request (requests_app.erasure sends
    them its notice first). Outside any transaction, as the erasure requires; safe to repeat."""
    request = SubjectRequest.objects.select_related("subject").filter(pk=request_id).first()
    if request is None or request.type != Type.DELETION or request.status != Status.COMPLETED:
        return
    if request.verified_at is None:
        return
    if letters_to_post(request=request).exists():
        # Told by post: the letter saying so goes out before the address it goes to is erased.
        # Marking the last one posted (request_letter_mark_posted) starts the erasure again.
        return
    completed = request.events.filter(to_status=Status.COMPLETED).order_by("-pk").first()
    erasure.subject_erase(
        subject=request.subject,
        actor=completed.actor if completed else RequestActor.system().label,
        reason=f"Subject request {request.reference}",
        address=request.requester_email,
        language=request.language,
    )


@transaction.atomic
def access_export_create(*, request_id: int) -> AccessExport | None:
    """Build the completed access request's ZIP, keep it REQUEST_EXPORT_DAYS, and email the
    requester the link (or write the letter the ZIP is posted with). Idempotent: a second run finds the export and does nothing."""
    request = SubjectRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.type != Type.ACCESS or request.status != Status.COMPLETED:
        return None
    if request.verified_at is None:
        return None
    existing = AccessExport.objects.filter(request=request).first()
    if existing is not None:
        return existing
    content = export.access_export_build(
        subject=request.subject,
        language=request.language,
        requests=[request_serialise(item) for item in request.subject.subject_requests.order_by("received_at")],
    )
    now = timezone.now()
    made = AccessExport.objects.create(
        request=request,
        content=content,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.REQUEST_EXPORT_DAYS),
    )
    event_write(request, kind=RequestEvent.Kind.EXPORT_READY, actor=RequestActor.system())
    with translation.override(request.language):
        requester_tell(
            request,
            title=_("Your copy of your data is ready (%(reference)s)") % {"reference": request.reference},
            paragraphs=[
                _("Your copy is ready to download until %(expires)s. The link works for you only.")
                % {"expires": f"{made.expires_at:%Y-%m-%d}"}
            ],
            link=(access_url(request=request, path="download"), _("Download my data")),
            # By post the representative encloses the ZIP, downloaded from the request's admin page.
            by_post=[
                _(
                    "Your copy of your data is enclosed with this letter, as a ZIP archive: summary.html "
                    "is for you to read in a web browser, data.json is for computers."
                )
            ],
            key=f"request-export:{request.pk}",
        )
    return made


@transaction.atomic
def access_export_download(*, request: SubjectRequest, actor: RequestActor) -> bytes | None:
    """The export's bytes for its requester, logged; None when missing or expired."""
    made = AccessExport.objects.filter(request=request, expires_at__gt=timezone.now()).first()
    if made is None:
        return None
    event_write(request, kind=RequestEvent.Kind.DOWNLOADED, actor=actor)
    return bytes(made.content)
