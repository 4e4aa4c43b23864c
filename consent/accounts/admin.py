import uuid

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from consent.accounts.identity import InvalidIdentifier, email_digest
from consent.accounts.models import ApiKey, DataAccess, PasswordCompromiseReport, ProfileChange, User
from consent.accounts.scope import subject_filter_for_staff
from consent.accounts.search import user_search
from consent.accounts.services import data_access_record, password_compromise_reports_close, profile_change_record
from consent.db import CappedCountPaginator


class PersonDataAdminMixin:
    """An admin whose pages show people's data: each page is written to the access log, and
    its rows are narrowed to the people the staff member may see (consent.accounts.scope).

    One person's page (change form, read-only or not) records `data_access_kind` with the
    person's subject; a list records one `list` row naming the model, not the people on it
    (nor the search term, which may be an address). Both cost one INSERT and no read."""

    data_access_kind: str = DataAccess.Kind.PROFILE
    # The path from this model to the Subject, for the office scope.
    subject_field: str = "subject"

    def data_access_subject_id(self, obj):
        return obj.subject_id

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(subject_filter_for_staff(user=request.user, field=self.subject_field))
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            data_access_record(
                request=request,
                kind=self.data_access_kind,
                object_id=obj.pk,
                subject_id=self.data_access_subject_id(obj),
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # A redirect (after an action, or a bad filter) shows no one.
        if isinstance(response, TemplateResponse) and response.status_code == 200:
            data_access_record(request=request, kind=DataAccess.Kind.LIST, object_id=self.opts.label_lower)
        return response


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(PersonDataAdminMixin, DjangoUserAdmin):
    """People's accounts. Anyone with `change_user` may correct a customer's profile; a staff
    account (its address, password, roles) only with `manage_staff`, a superuser's and the
    superuser flag and single permissions only as a superuser: otherwise whoever may correct
    a profile could take over a colleague's account or raise their own rights."""

    data_access_kind = DataAccess.Kind.PROFILE
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    # Newest first by key: the same order as registration, without a sort over every account.
    ordering = ("-id",)
    list_display = ("email", "first_name", "last_name", "country", "language", "is_staff", "registered_at")
    list_filter = ("is_staff", "is_active", "language")
    # The box is searched by user_search (indexes only); search_fields just shows it.
    search_fields = ("=email",)
    search_help_text = _("Search by email address, phone number or the start of a name (first name first).")
    show_full_result_count = False
    paginator = CappedCountPaginator
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

    def get_queryset(self, request):
        # The person's subject comes in the same query: the access log names it at no extra cost.
        return super().get_queryset(request).select_related("subject")

    def data_access_subject_id(self, obj: User):
        subject = getattr(obj, "subject", None)
        return subject.pk if subject is not None else None

    def get_search_results(self, request, queryset, search_term):
        return _searched(self, request, user_search(queryset=queryset, term=search_term)), False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or _may_manage_staff(request.user):
            return fieldsets
        # Setting a password is for the account's owner (or whoever manages staff accounts).
        return tuple(
            (name, {**options, "fields": tuple(f for f in options["fields"] if f != "password")})
            for name, options in fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
            if not _may_manage_staff(request.user):
                fields += ["is_staff", "groups"]
        return fields

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        if obj.is_superuser:
            return False
        return not obj.is_staff or _may_manage_staff(request.user)

    def user_change_password(self, request, id, form_url=""):
        if not _may_manage_staff(request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

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


def _may_manage_staff(user) -> bool:
    return user.has_perm("accounts.manage_staff")


def _searched(model_admin, request, result):
    if result.message:
        model_admin.message_user(request, result.message, messages.WARNING)
    return result.queryset


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


@admin.register(DataAccess)
class DataAccessAdmin(admin.ModelAdmin):
    """Who looked at whose data: read-only for everyone, as the database is."""

    list_display = ("viewed_at", "actor_label", "actor_type", "kind", "object_id", "subject_link", "ip_address")
    list_filter = ("kind", "actor_type")
    search_fields = ("=subject__id",)
    search_help_text = _("Search by subject id (who looked at this person) or staff member id (what they looked at).")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("-id",)
    fields = (
        "viewed_at", "actor_type", "actor_label", "staff_member", "api_key_prefix", "kind", "object_id", "subject_link",
        "ip_address", "user_agent",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("staff member id"))
    def staff_member(self, obj: DataAccess) -> str:
        # The id, not the account: the account may since have been removed.
        return str(obj.staff_id or "—")

    @admin.display(description=_("subject"))
    def subject_link(self, obj: DataAccess) -> str:
        if obj.subject_id is None:
            return "—"
        url = reverse("admin:accounts_subject_change", args=[obj.subject_id])
        return format_html('<a href="{}">{}</a>', url, obj.subject_id)

    def get_search_results(self, request, queryset, search_term):
        # Both searches are probes of an index: (subject, viewed_at) and (staff, viewed_at).
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(staff_id=int(term)), False
        try:
            return queryset.filter(subject_id=uuid.UUID(term)), False
        except ValueError:
            return queryset.none(), False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
    search_fields = ("=user__email",)  # shows the box; searched by user_search
    search_help_text = _("Search by email address, phone number or the start of a name (first name first).")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    # By key, newest first: the one index over every row; the person's own history reads (user, changed_at).
    ordering = ("-id",)
    readonly_fields = ("user", "fields", "source", "actor", "changed_at")

    def get_search_results(self, request, queryset, search_term):
        users = _searched(self, request, user_search(queryset=User.objects.all(), term=search_term))
        return queryset.filter(user__in=users.values("pk")), False

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
