"""Decisions over HTTP: may we contact these people (the check, a scrub, unsubscribe links), and one
person's state per purpose."""

import functools
import io
from datetime import UTC, datetime, time

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.accounts.api import subject_or_404
from consent.accounts.auth import api_key_with_scope
from consent.accounts.models import DataAccess
from consent.accounts.selectors import IDENTIFIER_BATCH_LIMIT
from consent.accounts.services import data_access_record
from consent.api.errors import ERRORS
from consent.api.parsers import StrictJSONParser
from consent.decisions.rules import Reason, consent_decisions, consent_state
from consent.decisions.scrub import DUPLICATE, INVALID, scrub_addresses
from consent.decisions.unsubscribe import unsubscribe_links
from consent.ledger.models import Channel, ConsentEvent, Purpose

REASONS = list(Reason.LABELS)


# ---------------------------------------------------------------------------- check
class ConsentCheckInputSerializer(serializers.Serializer):
    purpose = serializers.CharField(max_length=32)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_null=True)
    identifiers = serializers.ListField(
        child=serializers.CharField(max_length=320, trim_whitespace=False),
        allow_empty=False,
        max_length=IDENTIFIER_BATCH_LIMIT,
        help_text="Email addresses, SHA-256 hashes of canonical addresses (64 hex), or subject ids.",
    )


class ConsentCheckResultSerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text="As sent.")
    subject_id = serializers.UUIDField(allow_null=True, help_text="null for a person the platform does not know.")
    allowed = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=REASONS)


class ConsentCheckCountsSerializer(serializers.Serializer):
    allowed = serializers.IntegerField()
    denied = serializers.IntegerField()


class ConsentCheckOutputSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    channel = serializers.CharField(allow_null=True)
    counts = ConsentCheckCountsSerializer()
    results = ConsentCheckResultSerializer(many=True, help_text="In the order of the identifiers sent.")


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
    elif len(identifiers) > IDENTIFIER_BATCH_LIMIT:
        errors["identifiers"] = _("At most %(limit)d identifiers per call.") % {"limit": IDENTIFIER_BATCH_LIMIT}
    if errors:
        raise ValidationError(errors)
    return purpose, channel or None, identifiers


def _check_answer(data) -> JsonResponse:
    purpose, channel, identifiers = _check_input(data)
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


_json_parser = StrictJSONParser()


def _check_for_key_holder(request) -> JsonResponse | None:
    """The check's usual call, answered without DRF's request wrapping, content negotiation
    and parser selection (about a third of the call's Python time): a JSON POST whose API key
    carries the scope. Anything else, and any input or key the check refuses, returns None for
    the DRF view, which applies the same rules and answers in the API's error shape."""
    if request.method != "POST" or request.content_type != "application/json":
        return None
    if api_key_with_scope(request.META.get("HTTP_AUTHORIZATION", ""), ConsentCheckApi.required_scopes) is None:
        return None
    try:
        # request.body keeps the bytes, so the DRF view can read them again.
        data = _json_parser.parse(
            io.BytesIO(request.body), parser_context={"encoding": request.encoding or settings.DEFAULT_CHARSET}
        )
        return _check_answer(data)
    except (APIException, ValidationError, SuspiciousOperation):
        return None


class ConsentCheckApi(APIView):
    required_scopes = "consent:read"

    @classmethod
    def as_view(cls, **initkwargs):
        drf_view = super().as_view(**initkwargs)

        # wraps: the schema generator finds the class on the view, and it stays CSRF-exempt
        # (an API key is no cookie; a session's POST still meets DRF's CSRF check).
        @functools.wraps(drf_view)
        def view(request, *args, **kwargs):
            return _check_for_key_holder(request) or drf_view(request, *args, **kwargs)

        return view

    @extend_schema(
        summary="May a purpose contact these people on this channel now?",
        description=(
            f"Up to {IDENTIFIER_BATCH_LIMIT:,} identifiers in one call, answered by one database query. Each "
            "result carries the reason: `granted`, `withdrawn`, `not_granted` (opt-in purpose never granted), "
            "`opt_out_default` (opt-out purpose never withdrawn), `suppressed`, `erased`, or "
            "`no_policy_accepted` (unknown person: an opt-out default needs an accepted policy)."
        ),
        request=ConsentCheckInputSerializer,
        responses={200: ConsentCheckOutputSerializer, **ERRORS},
    )
    def post(self, request):
        return _check_answer(request.data)


# ---------------------------------------------------------------------------- one person's state
_AS_OF_HELP = (
    "An ISO 8601 date-time (2026-01-31T12:00:00Z; without an offset, UTC) or a date (2026-01-31), which "
    "means the end of that day in UTC. Omit for now."
)


def as_of_parse(raw: str | None) -> datetime | None:
    """The moment `?as_of=` names, in UTC; None when absent. A bare date is the end of that day."""
    if not raw:
        return None
    invalid = ValidationError(
        {"as_of": _("Use an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z.")}
    )
    try:
        # Both return None for a malformed value and raise ValueError for an impossible one (2026-02-30).
        day = parse_date(raw)
        moment = None if day else parse_datetime(raw)
    except ValueError:
        raise invalid from None
    if day is not None:
        return datetime.combine(day, time.max, tzinfo=UTC)
    if moment is None:
        raise invalid
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=UTC)
    try:
        # In UTC: PostgreSQL takes offsets up to ±15:59 only, and one far out of range is no moment at all.
        return moment.astimezone(UTC)
    except OverflowError:
        raise invalid from None


class ChoiceStateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices, allow_null=True)
    decision = serializers.ChoiceField(
        choices=ConsentEvent.Decision.choices, allow_null=True, help_text="The explicit choice; null if never made."
    )
    allowed = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=REASONS)
    event_id = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class PurposeStateSerializer(ChoiceStateSerializer):
    purpose = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Purpose.Kind.choices)
    withdrawable = serializers.BooleanField()
    channels = ChoiceStateSerializer(many=True, help_text="The choice per channel, for purposes that contact people.")


class SubjectConsentStateOutputSerializer(serializers.Serializer):
    subject_id = serializers.UUIDField()
    as_of = serializers.DateTimeField()
    purposes = PurposeStateSerializer(many=True)


def _choice_fields(choice) -> dict:
    return {
        "channel": choice.channel,
        "decision": choice.decision,
        "allowed": choice.allowed,
        "reason": choice.reason,
        "event_id": choice.event_id,
        "updated_at": choice.updated_at,
    }


class SubjectConsentStateApi(APIView):
    required_scopes = "consent:read"

    @extend_schema(
        summary="A person's choices per purpose, now or on a past date",
        parameters=[OpenApiParameter("as_of", OpenApiTypes.STR, description=_AS_OF_HELP)],
        responses={200: SubjectConsentStateOutputSerializer, **ERRORS},
    )
    def get(self, request, subject_id: str):
        subject = subject_or_404(subject_id, request=request)
        at = as_of_parse(request.query_params.get("as_of"))
        states = consent_state(subject=subject, at=at)
        data_access_record(request=request, kind=DataAccess.Kind.LEDGER, object_id=subject.pk, subject_id=subject.pk)
        data = {
            "subject_id": subject.pk,
            "as_of": at or timezone.now(),
            "purposes": [
                {
                    "purpose": state.purpose.code,
                    "name": state.purpose.name,
                    "kind": state.purpose.kind,
                    "withdrawable": state.purpose.withdrawable,
                    **_choice_fields(state.overall),
                    "channels": [_choice_fields(choice) for choice in state.channels],
                }
                for state in states
            ],
        }
        return Response(SubjectConsentStateOutputSerializer(data).data)


urlpatterns = [
    path("consents/check/", ConsentCheckApi.as_view(), name="consent-check"),
    path("subjects/<str:subject_id>/consents/", SubjectConsentStateApi.as_view(), name="subject-consents"),
]


# ---------------------------------------------------------------------------- scrub
SCRUB_EXCLUSIONS = [*REASONS, INVALID, DUPLICATE]


class SuppressionScrubInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Purpose.Code.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    addresses = serializers.ListField(
        child=serializers.CharField(max_length=320, allow_blank=True, trim_whitespace=False),
        allow_empty=False,
        max_length=IDENTIFIER_BATCH_LIMIT,
        help_text="Email addresses, or SHA-256 hashes of canonical (lower-cased) addresses.",
    )


class SuppressionScrubOutputSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    channel = serializers.CharField()
    received = serializers.IntegerField()
    deliverable_count = serializers.IntegerField()
    excluded = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Addresses left out, per reason: " + ", ".join(f"`{r}`" for r in SCRUB_EXCLUSIONS) + ".",
    )
    deliverable = serializers.ListField(child=serializers.CharField(), help_text="As sent, in order, each once.")


class SuppressionScrubApi(APIView):
    required_scopes = "suppression:read"

    @extend_schema(
        summary="Scrub a campaign list: the addresses this purpose may contact on this channel",
        description=(
            f"Up to {IDENTIFIER_BATCH_LIMIT:,} addresses. The same decision as the consent check (suppression, "
            "ledger state, erasure), applied set-based. Files of any size: the admin's scrub page."
        ),
        request=SuppressionScrubInputSerializer,
        responses={200: SuppressionScrubOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = SuppressionScrubInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = scrub_addresses(purpose=values["purpose"], channel=values["channel"], addresses=values["addresses"])
        return Response(
            SuppressionScrubOutputSerializer(
                {
                    "purpose": result.purpose,
                    "channel": result.channel,
                    "received": result.rows,
                    "deliverable_count": result.deliverable,
                    "excluded": result.excluded,
                    "deliverable": result.addresses,
                }
            ).data
        )


# ---------------------------------------------------------------------------- unsubscribe links
class UnsubscribeRecipientSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=320)
    purpose = serializers.ChoiceField(
        choices=Purpose.Code.choices,
        help_text="The purpose the mail is sent for; the link unsubscribes from it.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, allow_blank=True, help_text="Of the unsubscribe page."
    )


class UnsubscribeLinksInputSerializer(serializers.Serializer):
    recipients = UnsubscribeRecipientSerializer(many=True, allow_empty=False, max_length=IDENTIFIER_BATCH_LIMIT)


class UnsubscribeLinkSerializer(serializers.Serializer):
    email = serializers.CharField(help_text="As sent.")
    list_unsubscribe = serializers.CharField(help_text="The `List-Unsubscribe` header's value.")
    list_unsubscribe_post = serializers.CharField(help_text="The `List-Unsubscribe-Post` header's value.")
    allowed = serializers.BooleanField(help_text="Whether the purpose may mail this person now (the check's answer).")
    reason = serializers.ChoiceField(choices=REASONS)


class UnsubscribeLinksOutputSerializer(serializers.Serializer):
    results = UnsubscribeLinkSerializer(many=True, help_text="In the order of the recipients sent.")


class UnsubscribeLinksApi(APIView):
    required_scopes = "suppression:read"

    @extend_schema(
        summary="List-Unsubscribe headers for mail another platform sends for us",
        description=(
            f"Up to {IDENTIFIER_BATCH_LIMIT:,} recipients. Each gets the RFC 2369 `List-Unsubscribe` URL (a signed "
            "token for this person and scope) and the RFC 8058 `List-Unsubscribe-Post` value, with the consent "
            "check's answer: send only where `allowed` is true."
        ),
        request=UnsubscribeLinksInputSerializer,
        responses={200: UnsubscribeLinksOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = UnsubscribeLinksInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        links = unsubscribe_links(recipients=data.validated_data["recipients"])
        return Response(UnsubscribeLinksOutputSerializer({"results": links}).data)


urlpatterns += [
    path("suppressions/scrub/", SuppressionScrubApi.as_view(), name="suppression-scrub"),
    path("unsubscribe-links/", UnsubscribeLinksApi.as_view(), name="unsubscribe-links"),
]
