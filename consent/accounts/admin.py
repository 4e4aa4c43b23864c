from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
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


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "external_id", "created_at", "erased_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("id", "email_digest_hex", "created_at", "erased_at")
    fields = ("id", "user", "external_id", "email_digest_hex", "created_at", "erased_at")
    search_fields = ("=id", "=external_id")
    search_help_text = _("Search by email address (hashed before the lookup), subject id or external id.")
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("email digest"))
    def email_digest_hex(self, obj: Subject) -> str:
        return obj.email_digest_hex

    def get_search_results(self, request, queryset, search_term):
        # Addresses are never stored: hash the term and match the digest index.
        if "@" in search_term:
            try:
                return queryset.filter(email_digest=email_digest(search_term)), False
            except InvalidIdentifier:
                return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

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
