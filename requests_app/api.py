"""Subject requests over HTTP: open one (public), read its status (requester or staff),
move it (staff, `requests:write`)."""

from django.conf import settings
from django.http import Http404
from django.urls import path
from django.utils import translation
from django_ratelimit.core import is_ratelimited
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.accounts.auth import staff_may
from consent.accounts.models import ApiKey, ApiScope
from consent.accounts.scope import subject_visible_to_staff
from consent.accounts.services import data_access_record
from consent.api.errors import ERRORS, ErrorSerializer
from consent.api.limits import client_ip_key, public_form_rate
from requests_app import selectors, services
from requests_app.common import RequestActor
from requests_app.models import SubjectRequest


class RequestCreateInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=SubjectRequest.Type.choices)
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    details = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class RequestEventSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.CharField()
    to_status = serializers.CharField(allow_blank=True)


class RequestSerializer(serializers.Serializer):
    reference = serializers.CharField()
    type = serializers.ChoiceField(choices=SubjectRequest.Type.choices)
    status = serializers.ChoiceField(choices=SubjectRequest.Status.choices)
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    paused_since = serializers.DateTimeField(allow_null=True, help_text="Set while waiting on the requester.")
    extended = serializers.BooleanField()
    resolution = serializers.CharField(allow_blank=True)
    rejection_reason = serializers.CharField(allow_blank=True)
    events = RequestEventSerializer(many=True)


class RequestCreatedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=SubjectRequest.Status.choices)
    due_at = serializers.DateTimeField()


class RequestCreateApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Open a subject request",
        description=(
            "Public. The requester is emailed an acknowledgement with a link that confirms the request is theirs; "
            "nothing is released or changed before they follow it. Unconfirmed requests expire after "
            "REQUEST_VERIFICATION_DAYS days. Rate-limited per client address (429)."
        ),
        request=RequestCreateInputSerializer,
        responses={201: RequestCreatedSerializer, 429: ErrorSerializer, **ERRORS},
    )
    def post(self, request):
        if is_ratelimited(
            request, group="public-form:subject-request", key=client_ip_key, rate=public_form_rate, increment=True
        ):
            raise exceptions.Throttled()
        data = RequestCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        made = services.request_submit(
            type=values["type"],
            channel=SubjectRequest.Channel.API,
            email=values["email"],
            name=values["name"],
            phone=values["phone"],
            country=values["country"],
            details=values["details"],
            language=values.get("language") or translation.get_language(),
        )
        return Response(RequestCreatedSerializer(made).data, status=status.HTTP_201_CREATED)


def _staff_may_see(request, made: SubjectRequest) -> bool:
    if isinstance(request.auth, ApiKey):
        return request.auth.has_scope(ApiScope.REQUESTS_WRITE)
    user = request.user
    if not (user and user.is_authenticated and staff_may(user, ApiScope.REQUESTS_WRITE)):
        return False
    return selectors.requests_for_staff(user=user).filter(pk=made.pk).exists() and subject_visible_to_staff(
        user=user, subject_id=made.subject_id
    )


class RequestDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="A subject request's status",
        description="For its requester (signed in as the person) or staff; anyone else gets 404.",
        responses={200: RequestSerializer, **ERRORS},
    )
    def get(self, request, reference: str):
        made = selectors.request_by_reference(reference=reference)
        if made is None:
            raise Http404
        user = request.user
        is_requester = bool(user and user.is_authenticated and made.subject.user_id == user.pk)
        if not is_requester:
            if not _staff_may_see(request, made):
                raise Http404
            data_access_record(request=request, kind="request", object_id=made.reference, subject_id=made.subject_id)
        return Response(RequestSerializer(selectors.request_serialise(made)).data)


class RequestTransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=SubjectRequest.Status.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class RequestTransitionApi(APIView):
    required_scopes = ApiScope.REQUESTS_WRITE

    @extend_schema(
        summary="Move a subject request to another status",
        description=(
            "Staff only. Refused (400) when the move is not allowed from the current status, a rejection has no "
            "reason, or the request has not been verified."
        ),
        request=RequestTransitionInputSerializer,
        responses={200: RequestSerializer, **ERRORS},
    )
    def post(self, request, reference: str):
        made = selectors.request_by_reference(reference=reference)
        if made is None or not _staff_may_see(request, made):
            raise Http404
        data = RequestTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = (
            RequestActor.api_key(request.auth) if isinstance(request.auth, ApiKey) else RequestActor.staff(request.user)
        )
        made = services.request_transition(request=made, actor=actor, **data.validated_data)
        return Response(RequestSerializer(selectors.request_serialise(made)).data)


urlpatterns = [
    path("requests/", RequestCreateApi.as_view(), name="request-create"),
    path("requests/<str:reference>/", RequestDetailApi.as_view(), name="request-detail"),
    path("requests/<str:reference>/transitions/", RequestTransitionApi.as_view(), name="request-transitions"),
]
