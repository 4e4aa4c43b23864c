from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from consent.accounts.identity import InvalidIdentifier, email_digest
from consent.accounts.models import ApiKey, User


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


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "scopes")


# The library's own key model is unused: ours carries scopes.
admin.site.unregister(LibraryAPIKey)
