"""The back office's request queue: each office's requests by due date, overdue ones marked,
the request page with its timeline and a workflow form. Every change goes through
requests_app.services; nothing here writes a request itself."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from consent.accounts.admin import PersonDataAdminMixin
from consent.accounts.models import DataAccess
from consent.accounts.services import PROFILE_FIELDS, data_access_record
from consent.db import CappedCountPaginator
from requests_app import delivery, selectors, services
from requests_app.common import RequestActor
from requests_app.disclosures import disclosure_save, disclosure_validate
from requests_app.erasure import KEPT_REASONS
from requests_app.models import (
    OPEN_STATUSES,
    DataCategory,
    Disclosure,
    ErasureRecord,
    RepresentativeOffice,
    RequestLetter,
    SubjectRequest,
    ThirdParty,
)
from requests_app.views import export_zip_response

Status = SubjectRequest.Status


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("week", _("Due within 7 days")), ("open", _("Open"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        running = queryset.filter(status__in=OPEN_STATUSES)
        if self.value() == "overdue":
            return running.filter(due_at__lt=now, paused_at__isnull=True)
        if self.value() == "week":
            return running.filter(due_at__gte=now, due_at__lt=now + datetime.timedelta(days=7))
        if self.value() == "open":
            return running
        return queryset


class LettersFilter(admin.SimpleListFilter):
    """Requests with letters to print and post (their requesters have no email address)."""

    title = _("letters")
    parameter_name = "letters"

    def lookups(self, request, model_admin):
        waiting = selectors.letters_to_post().filter(request__in=model_admin.get_queryset(request))
        # Bounded like the lists' own counts: the queue never counts a whole table.
        count = waiting.order_by().values("request").distinct()[: CappedCountPaginator.CAP].count()
        return [("to_post", _("To post (%(count)d)") % {"count": count})]

    def queryset(self, request, queryset):
        if self.value() == "to_post":
            return queryset.filter(Exists(selectors.letters_to_post().filter(request=OuterRef("pk"))))
        return queryset


# The service's field names for the requester's contact data, and the form's.
SERVICE_FIELDS = {"email": "requester_email", "phone": "requester_phone"}


class RequestRecordForm(forms.ModelForm):
    """A representative records a request received by phone, mail or email."""

    verification_method = forms.ChoiceField(
        label=_("Identity verified by"),
        required=False,
        choices=[
            ("", _("Not yet: email them a confirmation link (without an email address: contact them)")),
            *SubjectRequest.VerificationMethod.choices,
        ],
        help_text=_("Never attach or copy an identity document: record only that you saw it."),
    )
    country = forms.ChoiceField(label=_("country"), required=False, choices=[("", "—"), *list(countries)])

    class Meta:
        model = SubjectRequest
        fields = [
            "type", "channel", "requester_name", "requester_email", "requester_phone", "requester_address",
            "country", "language", "details",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            (value, label) for value, label in SubjectRequest.Channel.choices if value in services.STAFF_CHANNELS
        ]
        self.fields["requester_email"].help_text = _(
            "Without one (a phone call or a letter), give a phone number or a postal address: "
            "the requester is then answered by letter."
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.request_submission_check(
                type=data.get("type", ""), channel=data.get("channel", ""), email=data.get("requester_email", ""),
                phone=data.get("requester_phone", ""), address=data.get("requester_address", ""),
                details=data.get("details", ""), country=data.get("country", ""), language=data.get("language", ""),
                staff=True, verification_method=data.get("verification_method", ""),
            )  # fmt: skip
        except ValidationError as exc:
            # The service names its own fields; the form's are the requester_ ones.
            for field, errors in exc.message_dict.items():
                self.add_error(SERVICE_FIELDS.get(field, field), errors)
        return data


ACTIONS = [
    ("", "—"),
    ("comment", _("Add a comment")),
    ("verify", _("Record identity verification")),
    ("in_progress", _("Start work")),
    ("awaiting_requester", _("Ask the requester (pauses the clock)")),
    ("completed", _("Complete")),
    ("rejected", _("Reject")),
    ("withdrawn", _("Withdrawn by the requester")),
    ("extend", _("Extend the deadline")),
    ("assign_me", _("Assign to me")),
    ("correct", _("Apply the correction")),
]


class RequestWorkflowForm(forms.ModelForm):
    """The request page's one form: what to do next, and the text it needs."""

    action = forms.ChoiceField(label=_("Next step"), choices=ACTIONS, required=False)
    verification_method_given = forms.ChoiceField(
        label=_("Identity verified by"), required=False, choices=[("", "—"), *SubjectRequest.VerificationMethod.choices]
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The comment, the question to the requester, the answer sent on completion, "
            "or the reason for a rejection or extension."
        ),
    )
    corrections = forms.CharField(
        label=_("Corrections"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, field: new value. Fields: %(fields)s.") % {"fields": ", ".join(PROFILE_FIELDS)},
    )

    class Meta:
        model = SubjectRequest
        fields: list[str] = []

    def clean_corrections(self) -> dict:
        changes = {}
        for line in self.cleaned_data["corrections"].splitlines():
            if not line.strip():
                continue
            field, sep, value = line.partition(":")
            if not sep or field.strip() not in PROFILE_FIELDS:
                raise ValidationError(_("Write each correction as field: value, with one of the fields listed."))
            changes[field.strip()] = value.strip()
        return changes


@admin.register(SubjectRequest)
class SubjectRequestAdmin(PersonDataAdminMixin, admin.ModelAdmin):
    data_access_kind = DataAccess.Kind.REQUEST
    list_display = ("reference", "type", "status_shown", "office", "due", "assignee", "received_at", "channel")
    list_filter = (OverdueFilter, LettersFilter, "status", "type", "office", "channel")
    list_select_related = ("office", "assignee")
    search_fields = ("=reference",)  # shows the box; searched by get_search_results
    search_help_text = _(
        "Search by request reference, or find a requester's requests by email address, phone number "
        "or the start of their name."
    )
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("due_at",)
    actions = ["assign_to_me", "start_work"]
    readonly_fields = (
        "reference", "type", "status_shown", "subject", "channel", "office", "assignee", "received_at", "due",
        "paused_at", "paused_for", "extended_at", "extension_reason", "extension_told_at", "verification_method",
        "verification_level", "verified_by", "verified_at", "requester_name", "requester_email", "requester_phone",
        "requester_address", "country", "language", "details", "resolution", "rejection_reason", "closed_at",
        "timeline", "letters", "export_download",
    )  # fmt: skip
    fieldsets = (
        (_("Request"), {"fields": ("reference", "type", "status_shown", "channel", "details")}),
        (_("Deadline"), {"fields": ("received_at", "due", "paused_at", "paused_for", "extended_at", "extension_reason")}),
        (_("Requester"), {"fields": ("subject", "requester_name", "requester_email", "requester_phone",
                                     "requester_address", "country", "language")}),
        (_("Identity"), {"fields": ("verification_method", "verification_level", "verified_by", "verified_at")}),
        (_("Handling"), {"fields": ("office", "assignee", "resolution", "rejection_reason", "closed_at")}),
        (_("Timeline"), {"fields": ("timeline",)}),
        (_("Letters to the requester"), {"fields": ("letters", "export_download")}),
        (_("Next step"), {"fields": ("action", "verification_method_given", "text", "corrections")}),
    )  # fmt: skip

    def get_queryset(self, request):
        return selectors.requests_for_staff(user=request.user, queryset=super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        result = selectors.requests_search(queryset=queryset, term=search_term)
        if result.message:
            self.message_user(request, result.message, messages.WARNING)
        return result.queryset, False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RequestRecordForm
            kwargs["fields"] = None
            return super().get_form(request, obj, change, **kwargs)
        kwargs["form"] = RequestWorkflowForm
        kwargs["fields"] = []
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": [*RequestRecordForm.Meta.fields, "verification_method"]}),)
        fieldsets = self.fieldsets
        if not obj.letters.exists():  # answered by email
            fieldsets = [fieldset for fieldset in fieldsets if "letters" not in fieldset[1]["fields"]]
        if not self.has_change_permission(request, obj):
            return fieldsets[:-1]
        return fieldsets

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/letters/<int:letter_pk>/", view(self.letter_print_view), name="requests_app_letter_print"),
            path(
                "<int:pk>/letters/<int:letter_pk>/posted/",
                view(self.letter_posted_view),
                name="requests_app_letter_posted",
            ),
            path("<int:pk>/export/", view(self.export_download_view), name="requests_app_export_download"),
            *super().get_urls(),
        ]

    def _request_for(self, request, pk: int, *, change: bool) -> SubjectRequest:
        """The request, if this staff member's queue holds it and their role allows the step."""
        obj = self.get_object(request, str(pk))
        allowed = self.has_change_permission(request, obj) if change else self.has_view_permission(request, obj)
        if not allowed:
            raise PermissionDenied
        if obj is None:
            raise Http404
        return obj

    def letter_print_view(self, request, pk: int, letter_pk: int):
        obj = self._request_for(request, pk, change=False)
        letter = get_object_or_404(RequestLetter, pk=letter_pk, request=obj)
        data_access_record(request=request, kind=self.data_access_kind, object_id=obj.pk, subject_id=obj.subject_id)
        with translation.override(letter.language):
            return TemplateResponse(
                request, "admin/requests_app/letter_print.html", {"letter": letter, "office": obj.office}
            ).render()

    def letter_posted_view(self, request, pk: int, letter_pk: int):
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        obj = self._request_for(request, pk, change=True)
        letter = get_object_or_404(RequestLetter, pk=letter_pk, request=obj)
        try:
            services.request_letter_mark_posted(letter=letter, actor=RequestActor.staff(request.user))
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, _("Marked as posted."), messages.SUCCESS)
        return redirect("admin:requests_app_subjectrequest_change", obj.pk)

    def export_download_view(self, request, pk: int):
        # Staff who post the copy download it; the auditor (view only) downloads no export.
        obj = self._request_for(request, pk, change=True)
        content = delivery.access_export_download(request=obj, actor=RequestActor.staff(request.user))
        return export_zip_response(content, obj.reference)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: SubjectRequest) -> str:
        if obj.paused_at:
            return format_html("{} <em>({})</em>", obj.get_status_display(), _("clock paused"))
        return obj.get_status_display()

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, obj: SubjectRequest) -> str:
        if obj.is_overdue:
            return format_html(
                '<strong class="overdue" style="color:#ba2121">{} ({})</strong>', obj.due_at, _("overdue")
            )
        return format_html("{}", obj.due_at)

    @admin.display(description=_("timeline"))
    def timeline(self, obj: SubjectRequest) -> str:
        # Read-only by construction: the events are shown, never a form.
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (f"{e.occurred_at:%Y-%m-%d %H:%M}", e.actor, e.get_kind_display(), e.to_status, e.comment)
                for e in obj.events.all()
            ),
        )
        return format_html(
            '<table class="request-timeline"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            _("when"), _("who"), _("what"), _("status"), _("comment"), rows,
        )  # fmt: skip

    @admin.display(description=_("letters"))
    def letters(self, obj: SubjectRequest) -> str:
        may_post = getattr(obj, "staff_may_post", False)
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td>{}</td><td><a href="{}" target="_blank">{}</a> {}</td></tr>',
            (
                (
                    f"{letter.created_at:%Y-%m-%d %H:%M}",
                    letter.title,
                    _("posted %(date)s by %(who)s") % {"date": f"{letter.posted_at:%Y-%m-%d}", "who": letter.posted_by}
                    if letter.posted_at
                    else _("to post"),
                    reverse("admin:requests_app_letter_print", args=[obj.pk, letter.pk]),
                    _("Print"),
                    format_html(
                        '<button type="submit" class="button" formaction="{}" formnovalidate>{}</button>',
                        reverse("admin:requests_app_letter_posted", args=[obj.pk, letter.pk]),
                        _("Mark as posted"),
                    )
                    if may_post and letter.posted_at is None and obj.contact_purged_at is None
                    else "",
                )
                for letter in obj.letters.all()
            ),
        )
        return format_html(
            '<table class="request-letters"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("written"), _("title"), _("status"), rows,
        )  # fmt: skip

    @admin.display(description=_("copy of the data"))
    def export_download(self, obj: SubjectRequest) -> str:
        made = selectors.export_available(request=obj)
        if made is None or not getattr(obj, "staff_may_post", False):
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:requests_app_export_download", args=[obj.pk]),
            _("Download the ZIP to post"),
            _("until %(date)s") % {"date": f"{made.expires_at:%Y-%m-%d}"},
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The letters' and the export's buttons are for staff who may work on the request.
            obj.staff_may_post = self.has_change_permission(request, obj)
        return obj

    def save_model(self, request, obj, form, change):
        actor = RequestActor.staff(request.user)
        if not change:
            data = form.cleaned_data
            made = services.request_submit(
                type=data["type"], channel=data["channel"], email=data["requester_email"],
                name=data["requester_name"], phone=data["requester_phone"], address=data["requester_address"],
                details=data["details"], country=data["country"], language=data["language"], staff=request.user,
                verification_method=data["verification_method"],
            )  # fmt: skip
            obj.pk, obj.reference = made.pk, made.reference
            return
        data = form.cleaned_data
        step, text = data.get("action"), data.get("text", "")
        try:
            if step == "comment":
                services.request_comment(request=obj, actor=actor, comment=text)
            elif step == "verify":
                services.request_verify(request=obj, method=data.get("verification_method_given"), actor=actor)
            elif step == "extend":
                services.request_extend(request=obj, actor=actor, reason=text)
            elif step == "assign_me":
                services.request_assign(request=obj, assignee=request.user, actor=actor)
            elif step == "correct":
                services.request_correction_apply(request=obj, changes=data.get("corrections") or {}, actor=actor)
            elif step in Status.values:
                services.request_transition(
                    request=obj, to=step, actor=actor, comment=text,
                    resolution=text if step == Status.COMPLETED else "",
                    reason=text if step == Status.REJECTED else "",
                )  # fmt: skip
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        # The timeline is read-only and the request's own fields are written by the services.
        return

    def log_change(self, request, obj, message):
        # The request's timeline (RequestEvent) is its history; the admin's LogEntry adds nothing.
        return None

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Assign the selected requests to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        actor = RequestActor.staff(request.user)
        for item in queryset:
            services.request_assign(request=item, assignee=request.user, actor=actor)
        self.message_user(request, _("Assigned to you."), messages.SUCCESS)

    @admin.action(description=_("Start work on the selected requests"), permissions=["change"])
    def start_work(self, request, queryset):
        actor = RequestActor.staff(request.user)
        moved, refused = 0, []
        for item in queryset:
            try:
                services.request_transition(request=item, to=Status.IN_PROGRESS, actor=actor)
                moved += 1
            except ValidationError as exc:
                refused.append(f"{item.reference}: {' '.join(exc.messages)}")
        self.message_user(
            request,
            ngettext("%(count)d request started.", "%(count)d requests started.", moved) % {"count": moved},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(request, " ".join(refused), messages.ERROR)


@admin.register(RepresentativeOffice)
class RepresentativeOfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "countries_served", "email", "phone", "is_default")
    filter_horizontal = ("staff",)
    search_fields = ("name",)

    @admin.display(description=_("countries served"))
    def countries_served(self, obj: RepresentativeOffice) -> str:
        return ", ".join(obj.countries)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            kwargs["queryset"] = db_field.related_model.objects.filter(is_staff=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- the disclosure register and erasure records ---------------------------------------------


@admin.register(ThirdParty)
class ThirdPartyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "agreement_reference", "agreement_date")
    list_filter = ("kind", "country")
    search_fields = ("^name",)
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "country", "address")}),
        (_("Agreement"), {"fields": ("agreement_reference", "agreement_date")}),
    )


class DisclosureForm(forms.ModelForm):
    data_categories = forms.MultipleChoiceField(
        label=_("data categories"), choices=DataCategory.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Disclosure
        fields = ("third_party", "basis", "data_categories", "subjects", "disclosed_at", "reference", "note")

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            # The service's own rule, asked before saving so the form can show the refusal.
            try:
                disclosure_validate(
                    basis=cleaned["basis"],
                    data_categories=cleaned["data_categories"],
                    subject_ids=[subject.pk for subject in cleaned.get("subjects") or []],
                    disclosure=self.instance,
                )
            except ValidationError as exc:
                raise ValidationError(exc.message_dict.get("subjects") or exc.messages) from None
        return cleaned


@admin.register(Disclosure)
class DisclosureAdmin(admin.ModelAdmin):
    form = DisclosureForm
    list_display = ("disclosed_at", "third_party", "basis", "categories", "reference")
    list_filter = ("basis", "third_party__kind")
    list_select_related = ("third_party",)
    raw_id_fields = ("third_party", "subjects")
    search_fields = ("=reference",)
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-disclosed_at",)
    readonly_fields = ("recorded_at", "recorded_by")
    fieldsets = (
        (None, {"fields": ("third_party", "basis", "data_categories", "disclosed_at", "reference", "note")}),
        (_("People concerned"), {"fields": ("subjects",)}),
        (_("Record"), {"fields": ("recorded_at", "recorded_by")}),
    )

    @admin.display(description=_("data categories"))
    def categories(self, obj: Disclosure) -> str:
        labels = dict(DataCategory.choices)
        return ", ".join(str(labels.get(code, code)) for code in obj.data_categories)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        disclosure_save(
            disclosure=obj,
            third_party=data["third_party"],
            basis=data["basis"],
            data_categories=data["data_categories"],
            subjects=data.get("subjects") or [],
            disclosed_at=data["disclosed_at"],
            reference=data.get("reference", ""),
            note=data.get("note", ""),
            actor=request.user.get_username(),
        )

    def save_related(self, request, form, formsets, change):
        # disclosure_save wrote the people concerned; the form must not write them again.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    """Read-only: written once by the erasure service, never changed."""

    list_display = ("erased_at", "subject", "actor", "notice")
    list_filter = ("notice",)
    search_fields = ("=subject__id",)
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-erased_at",)
    fields = ("subject", "erased_at", "actor", "reason", "notice", "notice_email_id", "removed_rows", "kept_rows")
    readonly_fields = fields

    @admin.display(description=_("removed"))
    def removed_rows(self, obj: ErasureRecord) -> str:
        return format_html_join("", "<div>{}: {}</div>", sorted(obj.removed.items()))

    @admin.display(description=_("kept"))
    def kept_rows(self, obj: ErasureRecord) -> str:
        return format_html_join(
            "",
            "<div><strong>{}</strong> ({}): {}</div>",
            (
                (row["what"], "" if row["count"] is None else row["count"], KEPT_REASONS.get(row["why"], row["why"]))
                for row in obj.kept
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
