from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from requests_app.disclosures import disclosure_save, disclosure_validate
from requests_app.erasure import KEPT_REASONS
from requests_app.models import DataCategory, Disclosure, ErasureRecord, ThirdParty

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
