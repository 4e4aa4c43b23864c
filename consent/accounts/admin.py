from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from consent.accounts.identity import InvalidIdentifier, email_digest
from consent.accounts.models import ApiKey, Subject, User


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ("-registered_at",)
    list_display = ("email", "first_name", "last_name", "country", "language", "is_staff", "registered_at")
    list_filter = ("is_staff", "is_active", "language")
    search_fields = ("email",)
    show_full_result_count = False
    readonly_fields = ("registered_at", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal information"), {"fields": ("first_name", "last_name", "phone", "occupation")}),
        (_("Postal address"), {"fields": ("street_address", "postal_code", "city", "country")}),
        (_("Preferences"), {"fields": ("language",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("registered_at", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class EmailDigestSearchMixin:
    """Search by email address without storing one: the term is hashed and matched
    against the digest index named by `email_digest_field`."""

    email_digest_field = "email_digest"

    def get_search_results(self, request, queryset, search_term):
        if "@" in search_term:
            try:
                return queryset.filter(**{self.email_digest_field: email_digest(search_term)}), False
            except InvalidIdentifier:
                return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Subject)
class SubjectAdmin(EmailDigestSearchMixin, admin.ModelAdmin):
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
        from consent.ledger.rules import Reason
        from consent.ledger.selectors import consent_state

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
        from consent.ledger.selectors import consent_history

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

    def has_delete_permission(self, request, obj=None) -> bool:
        # Erasure goes through the erasure service, which keeps the consent proof.
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "scopes")


# The library's own key model is unused: ours carries scopes.
admin.site.unregister(LibraryAPIKey)
