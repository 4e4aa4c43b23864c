from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consent.accounts.admin import EmailDigestSearchMixin
from consent.db import CappedCountPaginator
from consent.notifications.models import OutboundEmail
from consent.notifications.services import emails_requeue


@admin.register(OutboundEmail)
class OutboundEmailAdmin(EmailDigestSearchMixin, admin.ModelAdmin):
    """The outbox, read-only: rows change only by being sent, failing, or re-queued here."""

    email_digest_field = "subject__email_digest"
    list_display = ("id", "created_at", "template", "language", "status", "attempts", "sent_at", "short_error")
    list_filter = ("status", "language")
    search_fields = ("=message_id", "=subject__id")
    search_help_text = _("Search by the person's email address (hashed before the lookup), subject id or Message-ID.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("-id",)
    actions = ["requeue"]
    fieldsets = (
        (None, {"fields": ("status", "template", "language", "subject", "message_id", "dedupe_key")}),
        (
            _("Delivery"),
            {"fields": ("created_at", "attempts", "next_attempt_at", "sent_at", "failed_at", "last_error")},
        ),
        (_("Message"), {"fields": ("from_address", "to_address", "subject_line", "headers", "body_text")}),
        (_("Retention"), {"fields": ("redacted_at",)}),
    )
    readonly_fields = [field for fieldset in fieldsets for field in fieldset[1]["fields"]]

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboundEmail) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Re-queue the selected failed emails"), permissions=["requeue"])
    def requeue(self, request, queryset):
        ids = emails_requeue(email_ids=list(queryset.values_list("pk", flat=True)))
        for email in OutboundEmail.objects.filter(pk__in=ids):
            self.log_change(request, email, [{"changed": {"fields": ["status"]}}])
        skipped = queryset.count() - len(ids)
        if ids:
            self.message_user(
                request,
                ngettext("%(count)d email re-queued.", "%(count)d emails re-queued.", len(ids)) % {"count": len(ids)},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email was not failed, or its content was already removed, and was left alone.",
                    "%(count)d emails were not failed, or their content was already removed, and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def has_requeue_permission(self, request) -> bool:
        return request.user.has_perm("notifications.requeue_outboundemail")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
