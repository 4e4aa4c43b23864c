"""The consent ledger over HTTP: record, read state and history, check many people, receipts."""

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.accounts.identity import InvalidIdentifier
from consent.accounts.models import ApiKey, Subject
from consent.api.auth import HasScope
from consent.api.errors import ErrorSerializer
from consent.ledger.models import Channel, ConsentEvent
from consent.ledger.selectors import (
    CHECK_LIMIT,
    consent_decisions,
    consent_history,
    consent_receipt,
    consent_state,
    purposes_by_code,
    subject_resolve,
)
from consent.ledger.services import Actor, Evidence, IdempotencyConflict, consent_record_for_person
from consent.policies.models import PolicyVersion

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


def _actor(request) -> Actor:
    if isinstance(request.auth, ApiKey):
        return Actor.api_key(request.auth)
    return Actor.staff(request.user)


def _subject_or_404(subject_id: str) -> Subject:
    try:
        subject = subject_resolve(subject_id=subject_id)
    except InvalidIdentifier as exc:
        raise exceptions.NotFound(str(exc)) from None
    if subject is None:
        raise exceptions.NotFound(_("No such subject."))
    return subject


# --- serializers ---------------------------------------------------------------------------


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


class ConsentRecordInputSerializer(serializers.Serializer):
    subject = SubjectRefSerializer()
    purpose = serializers.CharField(max_length=32)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_null=True)
    decision = serializers.ChoiceField(choices=ConsentEvent.Decision.choices)
    source = serializers.ChoiceField(choices=ConsentEvent.Source.choices, default=ConsentEvent.Source.API)
    policy_version = serializers.IntegerField(required=False, allow_null=True)
    evidence = EvidenceSerializer(required=False)

    def validate_policy_version(self, value):
        if value is None:
            return None
        version = PolicyVersion.objects.filter(pk=value).first()  # a draft is refused by consent_record
        if version is None:
            raise serializers.ValidationError(_("No published policy version with this id."))
        return version


# --- views ---------------------------------------------------------------------------------


class ConsentRecordApi(APIView):
    required_scopes = "consent:write"

    @extend_schema(
        summary="Record one consent event",
        description=(
            "Appends a grant or withdrawal to the person's hash-chained ledger and updates their current "
            "state in one transaction. Send an `Idempotency-Key` header to make retries safe: a retry "
            "returns the first event with status 200 instead of recording a second one."
        ),
        request=ConsentRecordInputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)],
        responses={201: ConsentEventSerializer, 200: ConsentEventSerializer, 409: ErrorSerializer, **ERRORS},
    )
    def post(self, request):
        data = ConsentRecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        actor = _actor(request)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 100:
            raise ValidationError({"Idempotency-Key": _("At most 100 characters.")})
        ref = params["subject"]
        evidence = params.get("evidence") or {}
        try:
            event = consent_record_for_person(
                email=ref.get("email"),
                external_id=ref.get("external_id"),
                subject_id=str(ref["subject_id"]) if "subject_id" in ref else None,
                purpose=params["purpose"],
                channel=params.get("channel"),
                decision=params["decision"],
                source=params["source"],
                actor=actor,
                evidence=Evidence(**evidence),
                policy_version=params.get("policy_version"),
                idempotency_key=f"{actor.type}:{actor.id}:{key}" if key else None,
            )
        except IdempotencyConflict as exc:
            return Response(
                {"error": {"code": "idempotency_conflict", "message": str(exc), "details": {}}},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(
            ConsentEventSerializer(event).data, status=status.HTTP_201_CREATED if event.created else status.HTTP_200_OK
        )


class ConsentCheckInputSerializer(serializers.Serializer):
    purpose = serializers.CharField(max_length=32)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_null=True)
    identifiers = serializers.ListField(
        child=serializers.CharField(max_length=320, trim_whitespace=False),
        allow_empty=False,
        max_length=CHECK_LIMIT,
        help_text="Email addresses, SHA-256 hashes of canonical addresses (64 hex), or subject ids.",
    )


def _check_input(data) -> tuple[str, str | None, list[str]]:
    """The check's input, validated by hand: it is the hot path, and a DRF serializer
    (deep-copying its fields per request) costs more than the query. Same rules and
    error shape as ConsentCheckInputSerializer, which documents them in the schema."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": _("Expected a JSON object.")})
    errors = {}
    purpose = data.get("purpose")
    if not isinstance(purpose, str) or not purpose:
        errors["purpose"] = _("This field is required.")
    channel = data.get("channel")
    if channel is not None and channel not in Channel.values:
        errors["channel"] = _("Must be one of: %s.") % ", ".join(Channel.values)
    identifiers = data.get("identifiers")
    if not isinstance(identifiers, list) or not identifiers:
        errors["identifiers"] = _("Give a non-empty list of identifiers.")
    elif len(identifiers) > CHECK_LIMIT:
        errors["identifiers"] = _("At most %(limit)d identifiers per call.") % {"limit": CHECK_LIMIT}
    if errors:
        raise ValidationError(errors)
    return purpose, channel or None, identifiers


class ConsentCheckApi(APIView):
    required_scopes = "consent:read"

    @extend_schema(
        summary="May a purpose contact these people on this channel now?",
        description=(
            f"Up to {CHECK_LIMIT:,} identifiers in one call, answered by one database query. Each result "
            "carries the reason: `granted`, `withdrawn`, `not_granted` (opt-in purpose never granted), "
            "`opt_out_default` (opt-out purpose never withdrawn), `suppressed`, `erased`, or "
            "`no_policy_accepted` (unknown person: an opt-out default needs an accepted policy)."
        ),
        request=ConsentCheckInputSerializer,
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def post(self, request):
        purpose, channel, identifiers = _check_input(request.data)
        decisions = consent_decisions(purpose=purpose, channel=channel, identifiers=identifiers)
        allowed = sum(1 for decision in decisions if decision.allowed)
        # A plain JsonResponse: the hot path skips DRF's renderer machinery (the API speaks only JSON).
        return JsonResponse(
            {
                "purpose": purpose,
                "channel": channel,
                "counts": {"allowed": allowed, "denied": len(decisions) - allowed},
                "results": [
                    {
                        "identifier": d.identifier,
                        "subject_id": str(d.subject_id) if d.subject_id else None,
                        "allowed": d.allowed,
                        "reason": d.reason,
                    }
                    for d in decisions
                ],
            }
        )


def _parse_as_of(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        # Both return None for a malformed value and raise ValueError for an impossible one (2026-02-30).
        moment = parse_datetime(raw)
        day = parse_date(raw) if moment is None else None
    except ValueError:
        moment = day = None
    if moment is None:
        if day is None:
            raise ValidationError(
                {"as_of": _("Use an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z.")}
            )
        # A date means the end of that day.
        moment = datetime.combine(day, time.max)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _choice_json(choice) -> dict:
    return {
        "channel": choice.channel,
        "decision": choice.decision,
        "allowed": choice.allowed,
        "reason": choice.reason,
        "event_id": choice.event_id,
        "updated_at": choice.updated_at.isoformat() if choice.updated_at else None,
    }


class SubjectConsentStateApi(APIView):
    required_scopes = "consent:read"

    @extend_schema(
        summary="A person's choices per purpose, now or on a past date",
        parameters=[OpenApiParameter("as_of", OpenApiTypes.STR, description="ISO date or date-time; omit for now")],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request, subject_id: str):
        subject = _subject_or_404(subject_id)
        at = _parse_as_of(request.query_params.get("as_of"))
        states = consent_state(subject=subject, at=at)
        return Response(
            {
                "subject_id": str(subject.pk),
                "as_of": (at or timezone.now()).isoformat(),
                "purposes": [
                    {
                        "purpose": state.purpose.code,
                        "name": state.purpose.name,
                        "kind": state.purpose.kind,
                        "withdrawable": state.purpose.withdrawable,
                        **_choice_json(state.overall),
                        "channels": [_choice_json(choice) for choice in state.channels],
                    }
                    for state in states
                ],
            }
        )


class EventCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class SubjectConsentHistoryApi(APIView):
    required_scopes = "consent:read"

    @extend_schema(
        summary="A person's consent events, oldest first, with their hashes",
        responses={200: ConsentEventSerializer(many=True), **ERRORS},
    )
    def get(self, request, subject_id: str):
        subject = _subject_or_404(subject_id)
        paginator = EventCursorPagination()
        page = paginator.paginate_queryset(consent_history(subject=subject), request, view=self)
        return paginator.get_paginated_response(ConsentEventSerializer(page, many=True).data)


class SubjectLookupInputSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=320)
    external_id = serializers.CharField(required=False, max_length=128)

    def validate(self, attrs):
        if len(attrs) != 1:
            raise serializers.ValidationError(_("Give exactly one of email or external_id."))
        return attrs


class SubjectLookupApi(APIView):
    """A POST, so that an email address never appears in a URL or an access log."""

    required_scopes = "consent:read"

    @extend_schema(
        summary="Find a person's subject id by email or external id",
        request=SubjectLookupInputSerializer,
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def post(self, request):
        data = SubjectLookupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            subject = subject_resolve(**data.validated_data)
        except InvalidIdentifier as exc:
            raise ValidationError({"email": str(exc)}) from None
        if subject is None:
            raise exceptions.NotFound(_("No such subject."))
        return Response(
            {"subject_id": str(subject.pk), "external_id": subject.external_id, "erased": subject.erased_at is not None}
        )


class IsReceiptOwnerOrScoped(BasePermission):
    """The person the receipt is about (signed in to the portal), or a key/staff with consent:read."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not isinstance(request.auth, ApiKey) and user and user.is_authenticated and not user.is_staff:
            return True  # ownership is checked against the event in the view
        return HasScope().has_permission(request, view)


class ConsentReceiptApi(APIView):
    required_scopes = "consent:read"
    permission_classes = [IsReceiptOwnerOrScoped]

    @extend_schema(
        summary="The receipt of one consent event (Kantara v1.1 / ISO/IEC TS 27560 fields)",
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request, event_id: int):
        event = ConsentEvent.objects.select_related("policy_version__document", "evidence").filter(pk=event_id).first()
        user = request.user
        is_owner_request = not isinstance(request.auth, ApiKey) and not user.is_staff
        if event is None or (
            is_owner_request and getattr(getattr(user, "subject", None), "pk", None) != event.subject_id
        ):
            # The same answer for "not yours" and "not there": ids reveal nothing.
            raise exceptions.NotFound(_("No such receipt."))
        return Response(consent_receipt(event=event))


class PurposeListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(summary="The purposes personal data may be used for", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(
            [
                {
                    "code": p.code,
                    "name": p.name,
                    "description": p.description,
                    "kind": p.kind,
                    "lawful_basis": p.lawful_basis,
                    "withdrawable": p.withdrawable,
                    "channels": p.channels,
                }
                for p in purposes_by_code().values()
            ]
        )


urlpatterns = [
    path("purposes/", PurposeListApi.as_view(), name="purpose-list"),
    path("consents/", ConsentRecordApi.as_view(), name="consent-record"),
    path("consents/check/", ConsentCheckApi.as_view(), name="consent-check"),
    path("subjects/lookup/", SubjectLookupApi.as_view(), name="subject-lookup"),
    path("subjects/<str:subject_id>/consents/", SubjectConsentStateApi.as_view(), name="subject-consents"),
    path(
        "subjects/<str:subject_id>/consents/history/",
        SubjectConsentHistoryApi.as_view(),
        name="subject-consent-history",
    ),
    path("receipts/<int:event_id>/", ConsentReceiptApi.as_view(), name="consent-receipt"),
]
