"""The back office's pages about one person, which draw on every app below this one, and
the campaign-list scrub (which needs the decision rule)."""

import os
import secrets
import tempfile
import time
import uuid

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consent.accounts.admin import EmailDigestSearchMixin, PersonDataAdminMixin
from consent.accounts.models import DataAccess, Subject
from consent.accounts.scope import subject_visible_to_staff
from consent.accounts.search import subject_search
from consent.accounts.services import data_access_record
from consent.backoffice.subject_page import other_actions, subject_page_context
from consent.db import CappedCountPaginator
from consent.decisions.rules import Reason, consent_state
from consent.decisions.scrub import DUPLICATE, INVALID, scrub_file
from consent.ledger.models import Channel, Purpose
from consent.ledger.selectors import consent_history
from consent.suppression.admin import SuppressionEntryAdmin
from consent.suppression.files import RefusedFile
from consent.suppression.models import SuppressionEntry
from consent.suppression.services import subject_take_off_marketing


class TakeOffMarketingForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channels"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text=_("Why, e.g. “Asked by phone on 3 May to receive no marketing.” Kept with the entry."),
    )


@admin.register(Subject)
class SubjectAdmin(PersonDataAdminMixin, EmailDigestSearchMixin, admin.ModelAdmin):
    data_access_kind = DataAccess.Kind.SUBJECT
    subject_field = "pk"
    change_form_template = "admin/accounts/subject/change_form.html"
    actions = ["take_off_marketing"]
    list_display = ("id", "story_link", "user", "external_id", "created_at", "erased_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("id", "email_digest_hex", "created_at", "erased_at", "consent_overview", "consent_timeline")
    fieldsets = (
        (None, {"fields": ("id", "user", "external_id", "email_digest_hex", "created_at", "erased_at")}),
        (_("Current choices"), {"fields": ("consent_overview",)}),
        (_("Consent timeline"), {"fields": ("consent_timeline",)}),
    )
    search_fields = ("=id", "=external_id")  # shows the box; searched by subject_search
    search_help_text = _(
        "Search by email address (hashed before the lookup), phone number, the start of a name "
        "(first name first), subject id, external id or request reference."
    )
    show_full_result_count = False
    paginator = CappedCountPaginator
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

    @admin.display(description=_("whole story"))
    def story_link(self, obj: Subject) -> str:
        url = reverse("admin:accounts_subject_story", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open"))

    def get_search_results(self, request, queryset, search_term):
        result = subject_search(queryset=queryset, term=search_term)
        if result.message:
            self.message_user(request, result.message, messages.WARNING)
        return result.queryset, False

    # ----------------------------------------------------------------- the subject page
    def story_view(self, request, object_id):
        """Everything about one person on one page (consent.backoffice.subject_page)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        subject = self._story_subject(request, object_id)
        can_take_off = self.has_take_off_marketing_permission(request)
        form = TakeOffMarketingForm(request.POST or None)
        if request.method == "POST":
            if not can_take_off:
                raise PermissionDenied
            if form.is_valid() and self._take_off(request, subject, form.cleaned_data):
                self.message_user(request, gettext("Taken off marketing lists."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:accounts_subject_story", args=[subject.pk]))
        data_access_record(request=request, kind=DataAccess.Kind.SUBJECT, object_id=subject.pk, subject_id=subject.pk)
        actions = other_actions(subject)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Whole story"),
            "subject": subject,
            "sections": subject_page_context(request, subject),
            "can_take_off_marketing": can_take_off and subject.erased_at is None,
            "take_off_form": form,
            "other_actions": actions,
        }
        return TemplateResponse(request, "admin/accounts/subject/story.html", context)

    def _story_subject(self, request, object_id) -> Subject:
        try:
            subject_id = uuid.UUID(str(object_id))
        except ValueError:
            raise Http404(gettext("No such subject.")) from None
        # The scope (a representative's office) narrows get_queryset: anyone else's person is a 404.
        subject = self.get_queryset(request).select_related("user").filter(pk=subject_id).first()
        if subject is None or not subject_visible_to_staff(user=request.user, subject_id=subject.pk):
            raise Http404(gettext("No such subject."))
        return subject

    def has_delete_permission(self, request, obj=None) -> bool:
        # Erasure goes through the erasure service, which keeps the consent proof.
        return False

    def has_add_permission(self, request) -> bool:
        return False

    # ----------------------------------------------------------------- take off marketing lists
    def has_take_off_marketing_permission(self, request) -> bool:
        return request.user.has_perms(["suppression.add_suppressionentry", "ledger.add_consentevent"])

    @admin.action(description=_("Take off marketing lists"), permissions=["take_off_marketing"])
    def take_off_marketing(self, request, queryset):
        """Asks for the channels and a note, then takes each selected person off."""
        form = TakeOffMarketingForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for subject in queryset.order_by("pk"):
                if self._take_off(request, subject, form.cleaned_data):
                    done += 1
            self.message_user(
                request,
                ngettext(
                    "%(count)d person taken off marketing lists.", "%(count)d people taken off marketing lists.", done
                )
                % {"count": done},
            )
            return None
        return self._take_off_page(
            request, form, subjects=list(queryset[:100]), selected=queryset.values_list("pk", flat=True)
        )

    def take_off_marketing_view(self, request, object_id):
        if not self.has_take_off_marketing_permission(request):
            raise PermissionDenied
        subject = self.get_object(request, object_id)
        if subject is None:
            raise Http404(gettext("No such subject."))
        form = TakeOffMarketingForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and self._take_off(request, subject, form.cleaned_data):
            self.message_user(request, gettext("Taken off marketing lists."))
            return HttpResponseRedirect(reverse("admin:accounts_subject_change", args=[subject.pk]))
        return self._take_off_page(request, form, subjects=[subject], selected=None)

    def _take_off(self, request, subject: Subject, data: dict) -> bool:
        try:
            subject_take_off_marketing(
                subject=subject, channel=data["channel"] or None, note=data["note"], user=request.user
            )
        except ValidationError as exc:
            self.message_user(request, f"{subject.pk}: {' '.join(exc.messages)}", messages.ERROR)
            return False
        return True

    def _take_off_page(self, request, form, *, subjects, selected):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Take off marketing lists"),
            "form": form,
            "subjects": subjects,
            "selected": selected,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/subject/take_off_marketing.html", context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/story/",
                self.admin_site.admin_view(self.story_view),
                name="accounts_subject_story",
            ),
            path(
                "<path:object_id>/take-off-marketing/",
                self.admin_site.admin_view(self.take_off_marketing_view),
                name="accounts_subject_take_off_marketing",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_take_off_marketing"] = self.has_take_off_marketing_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)


# ---------------------------------------------------------------------------- campaign-list scrub
class ScrubForm(forms.Form):
    file = forms.FileField(label=_("Campaign list"), help_text=_("CSV or tab-separated text, any encoding."))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.Code.choices, initial=Purpose.Code.MARKETING_OWN)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.EMAIL)
    column_name = forms.CharField(
        label=_("Address column"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to find it automatically."),
    )


SCRUB_DIR = "scrubs"
SCRUB_KEEP_SECONDS = 24 * 3600


def _scrub_labels() -> dict:
    return {**Reason.LABELS, INVALID: _("not an address"), DUPLICATE: _("listed twice")}


admin.site.unregister(SuppressionEntry)


@admin.register(SuppressionEntry)
class ScrubbingSuppressionEntryAdmin(SuppressionEntryAdmin):
    """The entries, plus the scrub page (a link above the list)."""

    change_list_template = "admin/suppression/suppressionentry/change_list.html"

    def get_urls(self):
        return [
            path("scrub/", self.admin_site.admin_view(self.scrub_view), name="suppression_scrub"),
            path(
                "scrub/<str:name>/", self.admin_site.admin_view(self.scrub_download), name="suppression_scrub_download"
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_scrub": request.user.has_perm("suppression.scrub_list")}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def scrub_view(self, request):
        if not request.user.has_perm("suppression.scrub_list"):
            raise PermissionDenied
        form = ScrubForm(request.POST or None, request.FILES or None)
        result = download = None
        if request.method == "POST" and form.is_valid():
            _scrub_files_expire()
            name = f"{secrets.token_urlsafe(16)}.csv"
            try:
                with tempfile.TemporaryFile("w+b") as output:
                    text = _TextOut(output)
                    text.write("\ufeff")  # a BOM: Excel then reads the UTF-8 right
                    result = scrub_file(
                        purpose=form.cleaned_data["purpose"],
                        channel=form.cleaned_data["channel"],
                        source=form.cleaned_data["file"],
                        output=text,
                        column_name=form.cleaned_data["column_name"],
                    )
                    output.seek(0)
                    default_storage.save(os.path.join(SCRUB_DIR, name), output)
                download = reverse("admin:suppression_scrub_download", args=[name])
            except RefusedFile as exc:
                form.add_error("file", str(exc))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        labels = _scrub_labels()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Scrub a campaign list"),
            "form": form,
            "result": result,
            "excluded": [
                (labels.get(reason, reason), count)
                for reason, count in (result.excluded.items() if result else [])
                if count
            ],
            "download": download,
        }
        return TemplateResponse(request, "admin/suppression/suppressionentry/scrub.html", context)

    def scrub_download(self, request, name):
        if not request.user.has_perm("suppression.scrub_list"):
            raise PermissionDenied
        if not name.endswith(".csv") or os.path.basename(name) != name:
            raise Http404
        stored = os.path.join(SCRUB_DIR, name)
        if not default_storage.exists(stored):
            raise Http404(gettext("This scrub result has expired; scrub the list again."))
        # The list holds addresses: it is handed out once, then deleted (an open file reads on after its unlink).
        handle = default_storage.open(stored, "rb")
        default_storage.delete(stored)
        return FileResponse(
            handle, as_attachment=True, filename="deliverable.csv", content_type="text/csv; charset=utf-8"
        )


class _TextOut:
    """A UTF-8 text writer over a binary temporary file, for csv.writer."""

    def __init__(self, binary):
        self._binary = binary

    def write(self, text: str) -> int:
        return self._binary.write(text.encode("utf-8"))


def _scrub_files_expire() -> None:
    """Scrub results are downloaded once, soon: remove those older than a day."""
    try:
        _dirs, files = default_storage.listdir(SCRUB_DIR)
    except FileNotFoundError:
        return
    limit = time.time() - SCRUB_KEEP_SECONDS
    for name in files:
        stored = os.path.join(SCRUB_DIR, name)
        if default_storage.get_modified_time(stored).timestamp() < limit:
            default_storage.delete(stored)


# django-axes offers its clean-up action to anyone who may see the lockouts; here it needs
# the right to delete them (unlocking is deleting an attempt), so an auditor only reads.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    def get_actions(self, request):
        if not self.has_delete_permission(request):
            return {}
        return super().get_actions(request)
