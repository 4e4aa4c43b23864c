"""The back office's pages about one person, which draw on every app below this one."""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from consent.accounts.admin import EmailDigestSearchMixin, PersonDataAdminMixin
from consent.accounts.models import DataAccess, Subject
from consent.decisions.rules import Reason, consent_state
from consent.ledger.selectors import consent_history


@admin.register(Subject)
class SubjectAdmin(PersonDataAdminMixin, EmailDigestSearchMixin, admin.ModelAdmin):
    data_access_kind = DataAccess.Kind.SUBJECT
    subject_field = "pk"
    list_display = ("id", "user", "external_id", "created_at", "erased_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("id", "email_digest_hex", "created_at", "erased_at", "consent_overview", "consent_timeline")
    fieldsets = (
        (None, {"fields": ("id", "user", "external_id", "email_digest_hex", "created_at", "erased_at")}),
        (_("Current choices"), {"fields": ("consent_overview",)}),
        (_("Consent timeline"), {"fields": ("consent_timeline",)}),
    )
    search_fields = ("=id", "=external_id")
    search_help_text = _("Search by email address (hashed before the lookup), subject id or external id.")
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("email digest"))
    def email_digest_hex(self, obj: Subject) -> str:
        return obj.email_digest_hex

    @admin.display(description=_("state per purpose"))
    def consent_overview(self, obj: Subject) -> str:
        if obj.pk is None:
            return "—"
        rows = []
        for state in consent_state(subject=obj):
            for choice in [state.overall, *state.channels]:
                rows.append(
                    format_html(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        state.purpose.name,
                        choice.channel or _("all channels"),
                        _("allowed") if choice.allowed else _("not allowed"),
                        Reason.LABELS[choice.reason],
                    )
                )
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>", _("purpose"), _("channel"), _("now"), _("why")
        )
        return format_html("<table>{}{}</table>", header, format_html_join("", "{}", ((row,) for row in rows)))

    @admin.display(description=_("latest events"))
    def consent_timeline(self, obj: Subject) -> str:
        if obj.pk is None:
            return "—"
        events = list(consent_history(subject=obj).order_by("-id")[:50])
        if not events:
            return _("No consent events yet.")
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "",
                '<tr><td><a href="{}">#{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        reverse("admin:ledger_consentevent_change", args=[e.pk]),
                        e.pk,
                        e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                        e.purpose_id,
                        e.channel or "",
                        e.get_decision_display(),
                        e.get_source_display(),
                    )
                    for e in events
                ),
            ),
        )

    def data_access_subject_id(self, obj: Subject):
        return obj.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        # Erasure goes through the erasure service, which keeps the consent proof.
        return False

    def has_add_permission(self, request) -> bool:
        return False


# django-axes offers its clean-up action to anyone who may see the lockouts; here it needs
# the right to delete them (unlocking is deleting an attempt), so an auditor only reads.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    def get_actions(self, request):
        if not self.has_delete_permission(request):
            return {}
        return super().get_actions(request)
