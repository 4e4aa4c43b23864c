"""The requester's pages: the public form, the verification link, the status page and the
download. A request is shown only to its requester (signed in as its person, or holding a
fresh emailed link); anyone else gets a 404, as for a reference that does not exist."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django_ratelimit.decorators import ratelimit

from consent.api.limits import client_ip_key, public_form_rate
from requests_app import delivery, selectors, services
from requests_app.common import LinkInvalid, RequestActor, access_token_check
from requests_app.forms import PublicRequestForm
from requests_app.models import SubjectRequest

_SESSION_KEY = "subject_requests"


@ratelimit(group="public-form:subject-request", key=client_ip_key, rate=public_form_rate, method="POST", block=True)
def request_new(request):
    if request.method == "POST":
        form = PublicRequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.request_submit(
                    type=data["type"],
                    channel=SubjectRequest.Channel.WEB_FORM,
                    email=data["email"],
                    name=data["name"],
                    country=data["country"],
                    details=data["details"],
                    language=translation.get_language(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return render(request, "requests_app/submitted.html", {"subject_request": made})
    else:
        form = PublicRequestForm(initial={"type": request.GET.get("type", "")})
    return render(request, "requests_app/new.html", {"form": form})


def request_verify(request, token: str):
    """GET shows a button; the POST verifies (mail scanners that follow links verify nothing)."""
    if request.method != "POST":
        return render(request, "requests_app/verify.html")
    try:
        made = services.request_verify_link(token=token)
    except LinkInvalid as exc:
        return render(request, "requests_app/verify_invalid.html", {"expired": exc.expired}, status=400)
    _grant(request, made.reference)
    return redirect("requests:status", made.reference)


def _grant(request, reference: str) -> None:
    granted = request.session.get(_SESSION_KEY, [])
    if reference not in granted:
        request.session[_SESSION_KEY] = [*granted[-19:], reference]


def _own_request(request, reference: str) -> SubjectRequest:
    """The request, if the visitor is its requester; 404 otherwise."""
    made = selectors.request_by_reference(reference=reference)
    if made is None:
        raise Http404
    token = request.GET.get("t", "")
    if token and access_token_check(token=token, reference=reference):
        _grant(request, reference)
        return made
    if reference in request.session.get(_SESSION_KEY, []):
        return made
    user = request.user
    if user.is_authenticated and made.subject.user_id == user.pk:
        return made
    raise Http404


def request_status(request, reference: str):
    made = _own_request(request, reference)
    if request.GET.get("t"):
        # The token has done its work; drop it from the address bar (and from Referer headers).
        return redirect("requests:status", reference)
    return render(
        request,
        "requests_app/status.html",
        {
            "subject_request": made,
            "events": made.events.all(),
            "export": selectors.export_available(request=made),
            "download_url": reverse("requests:download", args=[reference]),
        },
    )


def export_zip_response(content: bytes | None, reference: str) -> HttpResponse:
    """An access request's copy as a ZIP download, never cached; 404 when it is gone."""
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{reference}.zip"'
    response["Cache-Control"] = "no-store"
    return response


def request_download(request, reference: str):
    made = _own_request(request, reference)
    return export_zip_response(delivery.access_export_download(request=made, actor=RequestActor.requester()), reference)
