from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from consent.accounts.identity import InvalidIdentifier, email_digest
from consent.accounts.models import ApiKey, PasswordCompromiseReport, ProfileChange, User
from consent.accounts.services import password_compromise_reports_close, profile_change_record


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
    readonly_fields = ("registered_at", "last_login", "email_verified_at", "pending_email")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal information"), {"fields": ("first_name", "last_name", "phone", "occupation")}),
        (_("Postal address"), {"fields": ("street_address", "postal_code", "city", "country")}),
        (_("Preferences"), {"fields": ("language",)}),
        (_("Email verification"), {"fields": ("email_verified_at", "pending_email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("registered_at", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # A correction by staff belongs in the person's history like one they make themselves.
            profile_change_record(
                user=obj,
                fields=list(form.changed_data),
                source=ProfileChange.Source.REPRESENTATIVE,
                actor=f"staff:{request.user.pk}",
            )


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


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "scopes")


# The library's own key model is unused: ours carries scopes.
admin.site.unregister(LibraryAPIKey)


@admin.register(ProfileChange)
class ProfileChangeAdmin(admin.ModelAdmin):
    """Each person's profile history, read-only."""

    list_display = ("changed_at", "user", "field_list", "source", "actor")
    list_filter = ("source",)
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-changed_at",)
    readonly_fields = ("user", "fields", "source", "actor", "changed_at")

    @admin.display(description=_("fields changed"))
    def field_list(self, obj: ProfileChange) -> str:
        return ", ".join(obj.fields)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReportOpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("handled", _("Handled"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(handled_at__isnull=True)
        if self.value() == "handled":
            return queryset.filter(handled_at__isnull=False)
        return queryset


@admin.register(PasswordCompromiseReport)
class PasswordCompromiseReportAdmin(admin.ModelAdmin):
    """Reports from people who think someone else knows their password: their sessions
    were ended and a new password forced at once; staff check the account and follow up."""

    list_display = ("reported_at", "user", "ip_address", "handled_at", "handled_by")
    list_filter = (ReportOpenFilter,)
    list_select_related = ("user", "handled_by")
    search_fields = ("=user__email",)
    show_full_result_count = False
    ordering = ("-reported_at",)
    readonly_fields = ("user", "reported_at", "note", "ip_address", "user_agent", "handled_at", "handled_by")
    fields = (*readonly_fields, "staff_note")
    actions = ["mark_handled"]

    @admin.action(description=_("Mark the selected reports as handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        count = password_compromise_reports_close(
            reports=list(queryset.values_list("pk", flat=True)), staff=request.user
        )
        self.message_user(
            request,
            ngettext("%(count)d report marked as handled.", "%(count)d reports marked as handled.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
