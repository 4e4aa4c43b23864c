"""Suppression over HTTP: add entries, upload a list to import, follow an import."""

from django.conf import settings
from django.http import FileResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.accounts.selectors import IDENTIFIER_BATCH_LIMIT
from consent.api.errors import ERRORS, ErrorSerializer
from consent.ledger.api import request_actor
from consent.ledger.models import Channel, Purpose
from consent.suppression.imports import suppression_import_create
from consent.suppression.models import SuppressionEntry, SuppressionImport
from consent.suppression.services import ledger_source, suppression_add


# ---------------------------------------------------------------------------- add entries
class SuppressionCreateInputSerializer(serializers.Serializer):
    identifiers = serializers.ListField(
        child=serializers.CharField(max_length=320),
        allow_empty=False,
        max_length=IDENTIFIER_BATCH_LIMIT,
        help_text="Email addresses, E.164 phone numbers (+46701234567) or SHA-256 hashes of canonical addresses.",
    )
    purpose = serializers.ChoiceField(
        choices=Purpose.Code.choices, required=False, allow_null=True, help_text="Omit for every contact purpose."
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_null=True, help_text="Omit for every channel."
    )
    reason = serializers.ChoiceField(choices=SuppressionEntry.Reason.choices, default=SuppressionEntry.Reason.IMPORT)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SuppressionCreateOutputSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="New entries.")
    already_present = serializers.IntegerField(help_text="Identifiers already suppressed in this scope (or repeated).")
    withdrawals = serializers.IntegerField(help_text="Withdrawal events written in the ledgers of known people.")


class SuppressionCreateApi(APIView):
    required_scopes = "suppression:write"

    @extend_schema(
        summary="Suppress up to 10,000 addresses in one scope",
        description=(
            "Each identifier is hashed (the address is never stored) and put on the do-not-contact list for the "
            "scope; for people the platform knows, the scope's choices are withdrawn in their ledger. Idempotent: "
            "sending the same identifiers again adds nothing. One malformed identifier refuses the whole call."
        ),
        request=SuppressionCreateInputSerializer,
        responses={200: SuppressionCreateOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = SuppressionCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = suppression_add(
            identifiers=values["identifiers"],
            purpose=values.get("purpose"),
            channel=values.get("channel"),
            reason=values["reason"],
            source=_("API"),
            actor=request_actor(request),
            note=values.get("note", ""),
            ledger_source_override=ledger_source(values["reason"], api=True),
        )
        return Response(
            SuppressionCreateOutputSerializer(
                {"added": result.added, "already_present": result.already_present, "withdrawals": result.withdrawals}
            ).data
        )


# ---------------------------------------------------------------------------- imports
class SuppressionImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV (or tab-separated) file: any encoding, delimiter and header.")
    purpose = serializers.ChoiceField(choices=Purpose.Code.choices, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    reason = serializers.ChoiceField(choices=SuppressionEntry.Reason.choices, default=SuppressionEntry.Reason.IMPORT)
    column = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="The address column's header; omit to detect it."
    )
    phone_region = serializers.CharField(
        required=False, allow_blank=True, max_length=2, help_text="Country of national phone numbers, e.g. SE."
    )


class SuppressionImportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=SuppressionImport.Status.choices)

    class Meta:
        model = SuppressionImport
        fields = [
            "id", "url", "file_name", "file_size", "sha256", "purpose", "channel", "reason", "status", "message",
            "progress", "rows_read", "added", "already_present", "rejected", "withdrawals", "encoding", "delimiter",
            "column_used", "column_kind", "report_url", "created_at", "started_at", "finished_at",
        ]  # fmt: skip

    def get_url(self, obj) -> str:
        return reverse("suppression-import", args=[obj.pk])

    def get_report_url(self, obj) -> str | None:
        return reverse("suppression-import-report", args=[obj.pk]) if obj.report else None


class SuppressionImportCreateOutputSerializer(SuppressionImportSerializer):
    duplicate = serializers.BooleanField(help_text="True: this file was uploaded before; nothing new is imported.")

    class Meta(SuppressionImportSerializer.Meta):
        fields = [*SuppressionImportSerializer.Meta.fields, "duplicate"]


class SuppressionImportCreateApi(APIView):
    required_scopes = "suppression:write"

    @extend_schema(
        summary="Upload a suppression list to import",
        description=(
            "Answers 202 with the import's URL (poll it for progress). A file whose SHA-256 was already imported "
            "is not imported again: 200 with that import and `duplicate: true`."
        ),
        request={"multipart/form-data": SuppressionImportInputSerializer},
        responses={
            202: SuppressionImportCreateOutputSerializer,
            200: SuppressionImportCreateOutputSerializer,
            413: ErrorSerializer,
            **ERRORS,
        },
    )
    def post(self, request):
        data = SuppressionImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        upload = values["file"]
        if upload.size > settings.SUPPRESSION_UPLOAD_MAX_BYTES:
            raise exceptions.ValidationError({"file": _("The file is larger than this server accepts.")})
        record, created = suppression_import_create(
            upload=upload,
            file_name=upload.name,
            actor=request_actor(request),
            purpose=values.get("purpose") or None,
            channel=values.get("channel") or None,
            reason=values["reason"],
            column_name=values.get("column", ""),
            phone_region=values.get("phone_region", ""),
        )
        record.duplicate = not created
        body = dict(SuppressionImportCreateOutputSerializer(record).data)
        if not created:
            body["message"] = _("This file was already imported (on %(date)s); nothing was done.") % {
                "date": record.created_at.date().isoformat()
            }
            return Response(body, status=status.HTTP_200_OK)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


def import_or_404(import_id: int) -> SuppressionImport:
    record = SuppressionImport.objects.filter(pk=import_id).first()
    if record is None:
        raise exceptions.NotFound(_("No such import."))
    return record


class SuppressionImportDetailApi(APIView):
    required_scopes = "suppression:read"

    @extend_schema(
        summary="An import's status, progress and counts", responses={200: SuppressionImportSerializer, **ERRORS}
    )
    def get(self, request, import_id: int):
        return Response(SuppressionImportSerializer(import_or_404(import_id)).data)


class SuppressionImportReportApi(APIView):
    required_scopes = "suppression:read"

    @extend_schema(
        summary="The rejected lines of an import (CSV: line, reason, value)",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS},
    )
    def get(self, request, import_id: int):
        record = import_or_404(import_id)
        if not record.report:
            raise exceptions.NotFound(_("This import rejected no lines."))
        return FileResponse(
            record.report.open("rb"),
            as_attachment=True,
            filename=f"rejected-lines-{record.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )


urlpatterns = [
    path("suppressions/", SuppressionCreateApi.as_view(), name="suppression-create"),
    path("suppressions/imports/", SuppressionImportCreateApi.as_view(), name="suppression-import-create"),
    path("suppressions/imports/<int:import_id>/", SuppressionImportDetailApi.as_view(), name="suppression-import"),
    path(
        "suppressions/imports/<int:import_id>/report/",
        SuppressionImportReportApi.as_view(),
        name="suppression-import-report",
    ),
]
