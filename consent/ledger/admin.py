from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from consent.accounts.admin import EmailDigestSearchMixin, PersonDataAdminMixin
from consent.accounts.models import DataAccess
from consent.ledger.models import ConsentEvent, Purpose


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
