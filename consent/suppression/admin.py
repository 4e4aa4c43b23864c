"""The back office for suppression: entries (searched by address, hashed first) and imports
(an upload page, and a progress page that refreshes itself while the import runs).

The scrub page needs the decision rule, so it lives with the back office (consent.backoffice)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.accounts.admin import EmailDigestSearchMixin
from consent.accounts.identity import InvalidIdentifier, digest_from_sha256, is_sha256_hex, phone_digest
from consent.db import CappedCountPaginator
from consent.ledger.models import Channel, Purpose
from consent.ledger.services import Actor
from consent.suppression.imports import suppression_import_create
from consent.suppression.models import SuppressionEntry, SuppressionImport


class AddedByFilter(admin.SimpleListFilter):
    title = _("added by")
    parameter_name = "added_by"

    def lookups(self, request, model_admin):
        return [
            ("subject", _("The person (unsubscribe link)")),
            ("staff", _("Staff member")),
            ("api_key", _("API key")),
            ("system", _("Import")),
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(created_by__startswith=self.value())
        return queryset


@admin.register(SuppressionEntry)
class SuppressionEntryAdmin(EmailDigestSearchMixin, admin.ModelAdmin):
    email_digest_field = "identifier_digest"
    list_display = ("digest_short", "purpose", "channel", "reason", "source", "created_at", "created_by")
    list_filter = ("reason", "purpose", "channel", AddedByFilter)
    search_help_text = _(
        "Type an email address, a phone number (+46…) or a SHA-256 hash: it is hashed before the lookup."
    )
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("-id",)
    readonly_fields = (
        "digest_hex", "purpose", "channel", "reason", "source", "note", "created_at", "created_by",
    )  # fmt: skip
    fields = readonly_fields

    # Django shows the search box only when search_fields is set; the mixin does the search.
    search_fields = ("=id",)

    @admin.display(description=_("digest"))
    def digest_short(self, obj: SuppressionEntry) -> str:
        return bytes(obj.identifier_digest).hex()[:16] + "…"

    @admin.display(description=_("identifier digest"))
    def digest_hex(self, obj: SuppressionEntry) -> str:
        return bytes(obj.identifier_digest).hex()

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        try:
            if is_sha256_hex(term):
                return queryset.filter(identifier_digest=digest_from_sha256(term)), False
            if term.startswith("+"):
                return queryset.filter(identifier_digest=phone_digest(term)), False
        except InvalidIdentifier:
            return queryset.none(), False
        if term and "@" not in term and not term.isdigit():
            return queryset.none(), False  # nothing else is indexed
        return super().get_search_results(request, queryset, term)

    # Entries are facts: added by services (API, imports, links, representatives), never edited here.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SuppressionImportForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("CSV or tab-separated text, any encoding, any size."))
    reason = forms.ChoiceField(
        label=_("Reason"), choices=SuppressionEntry.Reason.choices, initial=SuppressionEntry.Reason.IMPORT
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        required=False,
        choices=[("", _("All marketing (every contact purpose)")), *Purpose.Code.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Every channel")), *Channel.choices]
    )
    column_name = forms.CharField(
        label=_("Address column"),
        required=False,
        max_length=200,
        help_text=_("The header of the column with the addresses. Leave empty to find it automatically."),
    )
    phone_region = forms.CharField(
        label=_("Phone region"),
        required=False,
        max_length=2,
        help_text=_("For phone numbers written without a country code: the country, e.g. SE."),
    )


@admin.register(SuppressionImport)
class SuppressionImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "status", "progress_bar", "rows_read", "added", "already_present", "rejected",
                    "created_at", "created_by")  # fmt: skip
    list_filter = ("status",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("-created_at",)
    change_form_template = "admin/suppression/suppressionimport/change_form.html"
    readonly_fields = (
        "file_name", "file_size", "sha256", "status", "message", "progress_bar", "rows_read", "added",
        "already_present", "rejected", "withdrawals", "report_link", "purpose", "channel", "reason", "column_name",
        "column_used", "column_kind", "encoding", "delimiter", "phone_region", "created_at", "created_by",
        "started_at", "finished_at",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("file_name", "status", "message", "progress_bar")}),
        (_("Counts"), {"fields": ("rows_read", "added", "already_present", "rejected", "withdrawals", "report_link")}),
        (_("What was suppressed"), {"fields": ("reason", "purpose", "channel")}),
        (
            _("How the file was read"),
            {"fields": ("column_name", "column_used", "column_kind", "encoding", "delimiter", "phone_region")},
        ),
        (_("File"), {"fields": ("file_size", "sha256", "created_at", "created_by", "started_at", "finished_at")}),
    )

    @admin.display(description=_("progress"))
    def progress_bar(self, obj: SuppressionImport) -> str:
        return format_html(
            '<progress class="import-progress" value="{}" max="100">{}%</progress> {}%', obj.progress, obj.progress,
            obj.progress,
        )  # fmt: skip

    @admin.display(description=_("rejected lines"))
    def report_link(self, obj: SuppressionImport) -> str:
        if not obj.report:
            return "—"
        url = reverse("admin:suppression_suppressionimport_report", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download the report (CSV)"))

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:object_id>/report/",
                self.admin_site.admin_view(self.report_view),
                name="suppression_suppressionimport_report",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        # Without JavaScript the page refreshes itself every two seconds until the import ends.
        extra = {"refresh_seconds": 2 if obj is not None and not obj.finished else None}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SuppressionImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record, created = suppression_import_create(
                    upload=upload,
                    file_name=upload.name,
                    actor=Actor.staff(request.user),
                    purpose=form.cleaned_data["purpose"] or None,
                    channel=form.cleaned_data["channel"] or None,
                    reason=form.cleaned_data["reason"],
                    column_name=form.cleaned_data["column_name"],
                    phone_region=form.cleaned_data["phone_region"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if created:
                    self.message_user(request, gettext("The file is uploaded; its import has started."))
                else:
                    self.message_user(
                        request,
                        gettext("This file was already imported on %(date)s; nothing was done.")
                        % {"date": record.created_at.strftime("%Y-%m-%d %H:%M")},
                        messages.WARNING,
                    )
                return HttpResponseRedirect(reverse("admin:suppression_suppressionimport_change", args=[record.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import a suppression list"),
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/suppression/suppressionimport/upload.html", context)

    def report_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = SuppressionImport.objects.filter(pk=object_id).first()
        if record is None or not record.report:
            raise Http404(gettext("This import has no report."))
        return FileResponse(
            record.report.open("rb"),
            as_attachment=True,
            filename=f"rejected-lines-{record.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )
