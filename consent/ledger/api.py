"""The consent ledger over HTTP: record an event, read a person's history and receipts, list purposes.

Each view's input and output serializers sit just above it."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.accounts.api import subject_or_404, subject_visible
from consent.accounts.auth import HasScope
from consent.accounts.models import ApiKey, DataAccess
from consent.accounts.services import data_access_record
from consent.api.errors import ERRORS, Conflict, ErrorSerializer
from consent.ledger.chain import Evidence
from consent.ledger.models import Channel, ConsentEvent
from consent.ledger.receipts import consent_receipt, receipt_event_get
from consent.ledger.selectors import consent_history, purposes_by_code
from consent.ledger.services import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    Actor,
    IdempotencyConflict,
    consent_record_for_person,
)
from consent.policies.models import PolicyVersion


def request_actor(request) -> Actor:
    """The API key or the staff member behind an API request."""
    if isinstance(request.auth, ApiKey):
        return Actor.api_key(request.auth)
    return Actor.staff(request.user)


# ---------------------------------------------------------------------------- shared serializers
class ConsentEventSerializer(serializers.ModelSerializer):
    purpose = serializers.CharField(source="purpose_id")
    subject_id = serializers.UUIDField()
    policy_version = serializers.IntegerField(source="policy_version_id", allow_null=True)
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = ConsentEvent
        fields = [
            "id", "subject_id", "purpose", "channel", "decision", "source", "actor_type", "actor_id",
            "policy_version", "occurred_at", "evidence_digest", "prev_hash", "hash", "receipt_url",
        ]  # fmt: skip

    def get_receipt_url(self, event) -> str:
        return f"/api/v1/receipts/{event.pk}/"


# ---------------------------------------------------------------------------- record
class SubjectRefSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=320)
    subject_id = serializers.UUIDField(required=False)
    external_id = serializers.CharField(required=False, max_length=128)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Name the person by email, subject_id or external_id."))
        if "subject_id" in attrs and len(attrs) > 1:
            raise serializers.ValidationError(_("Give subject_id alone."))
        return attrs


class EvidenceSerializer(serializers.Serializer):
    ip_address = serializers.IPAddressField(required=False, allow_null=True)
    user_agent = serializers.CharField(required=False, allow_blank=True, max_length=512)
    language = serializers.CharField(required=False, allow_blank=True, max_length=8)
    text_hash = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, allow_blank=True)


class ConsentRecordInputSerializer(serializers.Serializer):
    subject = SubjectRefSerializer()
    purpose = serializers.CharField(max_length=32)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_null=True)
    decision = serializers.ChoiceField(choices=ConsentEvent.Decision.choices)
    source = serializers.ChoiceField(choices=ConsentEvent.Source.choices, default=ConsentEvent.Source.API)
    policy_version = serializers.PrimaryKeyRelatedField(
        queryset=PolicyVersion.objects.all(),
        required=False,
        allow_null=True,
        help_text="The id of the version in force that the person was shown.",
    )
    evidence = EvidenceSerializer(required=False)


class ConsentRecordApi(APIView):
    required_scopes = "consent:write"

    @extend_schema(
        summary="Record one consent event",
        description=(
            "Appends a grant or withdrawal to the person's hash-chained ledger and updates their current "
            "state in one transaction. Send an `Idempotency-Key` header to make retries safe: a retry "
            "with the same body returns the first event with status 200 instead of recording a second "
            "one; the same key with any other body is a 409."
        ),
        request=ConsentRecordInputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description=f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} characters; scoped to the calling key.",
            )
        ],
        responses={201: ConsentEventSerializer, 200: ConsentEventSerializer, 409: ErrorSerializer, **ERRORS},
    )
    def post(self, request):
        data = ConsentRecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        ref = params["subject"]
        try:
            event = consent_record_for_person(
                email=ref.get("email"),
                external_id=ref.get("external_id"),
                subject_id=str(ref["subject_id"]) if "subject_id" in ref else None,
                purpose=params["purpose"],
                channel=params.get("channel"),
                decision=params["decision"],
                source=params["source"],
                actor=request_actor(request),
                evidence=Evidence(**params.get("evidence", {})),
                policy_version=params.get("policy_version"),
                idempotency_key=request.headers.get("Idempotency-Key"),
            )
        except IdempotencyConflict as exc:
            raise Conflict(str(exc), code="idempotency_conflict") from None
        return Response(
            ConsentEventSerializer(event).data, status=status.HTTP_201_CREATED if event.created else status.HTTP_200_OK
        )


# ---------------------------------------------------------------------------- history
class EventCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class ConsentEventPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(allow_null=True)
    results = ConsentEventSerializer(many=True, help_text="Oldest first.")


class SubjectConsentHistoryApi(APIView):
    required_scopes = "consent:read"

    @extend_schema(
        summary="A person's consent events, oldest first, with their hashes",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From a previous page's next or previous."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 1,000; 100 by default."),
        ],
        responses={200: ConsentEventPageSerializer, **ERRORS},
    )
    def get(self, request, subject_id: str):
        subject = subject_or_404(subject_id, request=request)
        paginator = EventCursorPagination()
        page = paginator.paginate_queryset(consent_history(subject=subject), request, view=self)
        data_access_record(request=request, kind=DataAccess.Kind.LEDGER, object_id=subject.pk, subject_id=subject.pk)
        return paginator.get_paginated_response(ConsentEventSerializer(page, many=True).data)


# ---------------------------------------------------------------------------- receipts
class ReceiptControllerSerializer(serializers.Serializer):
    piiController = serializers.CharField()  # noqa: N815 - Kantara's field names
    contact = serializers.CharField()
    email = serializers.CharField()


class ReceiptNoticeSerializer(serializers.Serializer):
    document = serializers.CharField(allow_null=True)
    version = serializers.CharField(allow_null=True)
    url = serializers.URLField()
    textHash = serializers.CharField(allow_blank=True)  # noqa: N815


class ReceiptPurposeSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    purposeCode = serializers.CharField()  # noqa: N815
    consentType = serializers.ChoiceField(choices=["EXPLICIT", "IMPLICIT"])  # noqa: N815
    lawfulBasis = serializers.CharField()  # noqa: N815
    purposeCategory = serializers.ListField(child=serializers.CharField())  # noqa: N815
    channel = serializers.CharField(allow_null=True)
    primaryPurpose = serializers.BooleanField()  # noqa: N815
    termination = serializers.CharField()
    thirdPartyDisclosure = serializers.BooleanField()  # noqa: N815


class ReceiptServiceSerializer(serializers.Serializer):
    service = serializers.CharField()
    purposes = ReceiptPurposeSerializer(many=True)


class ReceiptIntegritySerializer(serializers.Serializer):
    hash = serializers.CharField()
    prevHash = serializers.CharField()  # noqa: N815
    evidenceDigest = serializers.CharField()  # noqa: N815
    algorithm = serializers.CharField()


class ConsentReceiptSerializer(serializers.Serializer):
    """Kantara Consent Receipt v1.1 field names, with ISO/IEC TS 27560's record id."""

    version = serializers.CharField()
    jurisdiction = serializers.CharField()
    consentReceiptID = serializers.CharField()  # noqa: N815
    recordId = serializers.IntegerField()  # noqa: N815
    consentTimestamp = serializers.IntegerField(help_text="Unix seconds.")  # noqa: N815
    eventTime = serializers.DateTimeField()  # noqa: N815
    eventType = serializers.ChoiceField(choices=ConsentEvent.Decision.choices)  # noqa: N815
    collectionMethod = serializers.ChoiceField(choices=ConsentEvent.Source.choices)  # noqa: N815
    piiPrincipalId = serializers.UUIDField()  # noqa: N815
    language = serializers.CharField(allow_blank=True)
    piiControllers = ReceiptControllerSerializer(many=True)  # noqa: N815
    policyUrl = serializers.URLField()  # noqa: N815
    notice = ReceiptNoticeSerializer()
    services = ReceiptServiceSerializer(many=True)
    sensitive = serializers.BooleanField()
    spiCat = serializers.ListField(child=serializers.CharField())  # noqa: N815
    integrity = ReceiptIntegritySerializer()


def _receipt_owner(request):
    """The subject id a signed-in person (not staff, not a key) may see receipts of, else None."""
    user = request.user
    if isinstance(request.auth, ApiKey) or not (user and user.is_authenticated) or user.is_staff:
        return None
    subject = getattr(user, "subject", None)
    return subject.pk if subject is not None else False


class IsReceiptOwnerOrScoped(HasScope):
    """The person the receipt is about (signed in to the portal), or a key/staff with consent:read."""

    def has_permission(self, request, view) -> bool:
        if _receipt_owner(request) is not None:
            return True  # ownership is checked against the event in the view
        return super().has_permission(request, view)


class ConsentReceiptApi(APIView):
    required_scopes = "consent:read"
    permission_classes = [IsReceiptOwnerOrScoped]

    @extend_schema(
        summary="The receipt of one consent event (Kantara v1.1 / ISO/IEC TS 27560 fields)",
        responses={200: ConsentReceiptSerializer, **ERRORS},
    )
    def get(self, request, event_id: int):
        owner = _receipt_owner(request)
        event = None if owner is False else receipt_event_get(event_id=event_id, owner=owner)
        if event is not None and owner is None and not subject_visible(request, event.subject_id):
            event = None
        if event is None:
            # The same answer for "not yours" and "not there": ids reveal nothing.
            raise exceptions.NotFound(_("No such receipt."))
        if owner is None:  # staff or a key; the person reading their own receipt is not logged
            data_access_record(
                request=request, kind=DataAccess.Kind.LEDGER, object_id=event.pk, subject_id=event.subject_id
            )
        return Response(ConsentReceiptSerializer(consent_receipt(event=event)).data)


# ---------------------------------------------------------------------------- purposes
class PurposeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    lawful_basis = serializers.CharField()
    withdrawable = serializers.BooleanField()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))


class PurposeListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(summary="The purposes personal data may be used for", responses={200: PurposeSerializer(many=True)})
    def get(self, request):
        return Response(PurposeSerializer(purposes_by_code().values(), many=True).data)


urlpatterns = [
    path("purposes/", PurposeListApi.as_view(), name="purpose-list"),
    path("consents/", ConsentRecordApi.as_view(), name="consent-record"),
    path(
        "subjects/<str:subject_id>/consents/history/",
        SubjectConsentHistoryApi.as_view(),
        name="subject-consent-history",
    ),
    path("receipts/<int:event_id>/", ConsentReceiptApi.as_view(), name="consent-receipt"),
]
