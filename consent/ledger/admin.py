from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from consent.accounts.admin import EmailDigestSearchMixin, PersonDataAdminMixin
from consent.accounts.models import DataAccess
from consent.db import CappedCountPaginator
from consent.ledger.checkpoints import checkpoint_file
from consent.ledger.models import ConsentEvent, EvidenceErasure, LedgerCheckpoint, Purpose


@admin.register(Purpose)
class PurposeAdmin(TranslationAdmin):
    list_display = ("code", "name", "kind", "lawful_basis", "withdrawable", "channel_list")
    readonly_fields = ("code", "kind", "withdrawable", "channels")
    fieldsets = (
        (None, {"fields": ("code", "name", "description")}),
        (_("Rules"), {"fields": ("kind", "lawful_basis", "withdrawable", "channels", "position")}),
    )

    @admin.display(description=_("channels"))
    def channel_list(self, obj: Purpose) -> str:
        return ", ".join(obj.channels) or "—"

    # Codes and rules are fixed by migrations; only the wording is edited here.
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConsentEvent)
class ConsentEventAdmin(PersonDataAdminMixin, EmailDigestSearchMixin, admin.ModelAdmin):
    """The ledger, read-only for everyone: the database refuses changes anyway. An event's
    page (its evidence: the person's IP and browser) is written to the access log."""

    data_access_kind = DataAccess.Kind.LEDGER
    email_digest_field = "subject__email_digest"
    list_display = ("id", "occurred_at", "subject_link", "purpose", "channel", "decision", "source", "actor")
    list_filter = ("purpose", "source", "decision")
    list_select_related = ("purpose",)
    search_fields = ("=subject__id",)
    search_help_text = _("Search by email address (hashed before the lookup) or subject id.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("-id",)
    readonly_fields = (
        "id", "subject_link", "purpose", "channel", "decision", "source", "actor", "policy_version", "occurred_at",
        "evidence_summary", "evidence_digest", "prev_hash", "hash", "idempotency_key",
    )  # fmt: skip
    fields = readonly_fields

    @admin.display(description=_("subject"))
    def subject_link(self, obj: ConsentEvent) -> str:
        url = reverse("admin:accounts_subject_change", args=[obj.subject_id])
        return format_html('<a href="{}">{}</a>', url, obj.subject_id)

    @admin.display(description=_("actor"))
    def actor(self, obj: ConsentEvent) -> str:
        return f"{obj.get_actor_type_display()} {obj.actor_id}".strip()

    @admin.display(description=_("evidence"))
    def evidence_summary(self, obj: ConsentEvent) -> str:
        evidence = getattr(obj, "evidence", None)
        if evidence is None:
            return _("Erased")
        return format_html(
            "IP {} · {} · {} · {}",
            evidence.ip_address or "—",
            evidence.language or "—",
            evidence.user_agent or "—",
            evidence.text_hash or "—",
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: the database refuses changes, and so does the admin."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerCheckpoint)
class LedgerCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "taken_at", "events", "chains", "last_event_id", "root", "download")
    ordering = ("-id",)
    fields = ("id", "taken_at", "events", "chains", "last_event_id", "root", "key_id", "signature", "download")
    readonly_fields = fields

    @admin.display(description=_("checkpoint file"))
    def download(self, obj: LedgerCheckpoint) -> str:
        url = reverse("admin:ledger_ledgercheckpoint_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self):
        file_view = self.admin_site.admin_view(self.file_view)
        return [
            path("<int:pk>/file/", file_view, name="ledger_ledgercheckpoint_file"),
            *super().get_urls(),
        ]

    def file_view(self, request, pk: int):
        """The exported checkpoint file (as `manage.py ledger_checkpoint --export` writes it)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        checkpoint = get_object_or_404(LedgerCheckpoint, pk=pk)
        response = JsonResponse(checkpoint_file(checkpoint), json_dumps_params={"indent": 2, "sort_keys": True})
        response["Content-Disposition"] = f'attachment; filename="ledger-checkpoint-{checkpoint.pk}.json"'
        return response


@admin.register(EvidenceErasure)
class EvidenceErasureAdmin(ReadOnlyAdmin):
    list_display = ("id", "erased_at", "subject", "evidence_rows", "erased_by")
    ordering = ("-id",)
    search_fields = ("=subject__id",)
    fields = ("id", "erased_at", "subject", "evidence_rows", "erased_by")
    readonly_fields = fields
