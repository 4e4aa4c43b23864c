from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from consent.policies import selectors
from consent.policies.models import PolicyDocument, PolicyVersion
from consent.policies.services import (
    LANGUAGE_CODES,
    TRANSLATED_FIELDS,
    policy_version_create,
    policy_version_publish,
    policy_version_update,
)
from consent.policies.templatetags.policy_text import render_policy_text

_RECORD_FIELDS = ("status", "content_hashes_display", "preview_links", "published_at", "published_by", "retired_at")
_TEXT_FIELDS = ("document", "label", "country", "effective_at", "is_material", *TRANSLATED_FIELDS)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(TranslationAdmin):
    list_display = ("slug", "kind", "title", "created_at")
    list_filter = ("kind",)
    fields = ("slug", "kind", "title", "created_at")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request, obj=None):
        # Pages, the API and consent evidence refer to a document by its slug.
        if obj is not None:
            return self.replace_orig_field(("slug", "kind", "created_at"))
        return super().get_readonly_fields(request, obj)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(TranslationAdmin):
    list_display = ("document", "label", "country", "status", "effective_at", "is_material", "published_at")
    list_filter = ("document", "status", "is_material", "country")
    list_select_related = ("document",)
    ordering = ("document", "-effective_at")
    list_per_page = 50
    actions = ["publish_selected"]
    change_form_template = "admin/policies/policyversion/change_form.html"
    fieldsets = (
        (None, {"fields": ("document", "label", "country", "effective_at", "is_material")}),
        (_("Text"), {"fields": ("title", "summary_of_changes", "body")}),
        (_("Publication"), {"fields": _RECORD_FIELDS + ("created_at",)}),
    )

    # ----------------------------------------------------------------- permissions
    def get_readonly_fields(self, request, obj=None):
        fields = (*_RECORD_FIELDS, "created_at")
        if obj is not None and not obj.is_editable:
            # A published or retired text never changes: show everything, edit nothing.
            fields = (*_TEXT_FIELDS, *fields)
        return self.replace_orig_field(fields)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not obj.is_editable:
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("policies.publish_policyversion")

    def get_actions(self, request):
        # Bulk deletion would reach published versions, which are never deleted.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # ----------------------------------------------------------------- writes go through the services
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = policy_version_update(version=obj, **{name: data[name] for name in form.changed_data})
        else:
            saved = policy_version_create(
                document=data["document"],
                label=data["label"],
                country=data.get("country") or "",
                effective_at=data["effective_at"],
                is_material=data.get("is_material", False),
                **{
                    field: {code: data.get(f"{field}_{code}") for code in LANGUAGE_CODES} for field in TRANSLATED_FIELDS
                },
            )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def _publish(self, request, version: PolicyVersion) -> bool:
        try:
            policy_version_publish(version=version, actor=request.user)
        except ValidationError as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return False
        return True

    @admin.action(description=_("Publish the selected drafts"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        published = [v for v in queryset.order_by("effective_at", "pk") if self._publish(request, v)]
        if published:
            self.message_user(
                request,
                gettext("Published: %(versions)s.") % {"versions": ", ".join(str(v) for v in published)},
                messages.SUCCESS,
            )

    # ----------------------------------------------------------------- extra views: publish, preview
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="{}_{}_publish".format(*info),
            ),
            path(
                "<path:object_id>/preview/<str:language>/",
                self.admin_site.admin_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
            *super().get_urls(),
        ]

    def _version_or_404(self, request, object_id) -> PolicyVersion:
        version = self.get_object(request, object_id)
        if version is None:
            raise Http404(gettext("No policy version with that id."))
        return version

    def publish_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_publish_permission(request):
            raise PermissionDenied
        version = self._version_or_404(request, object_id)
        if self._publish(request, version):
            self.message_user(
                request, gettext("Version %(version)s is published.") % {"version": version}, messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:policies_policyversion_change", args=[version.pk]))

    def preview_view(self, request, object_id, language):
        version = self._version_or_404(request, object_id)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        if language not in LANGUAGE_CODES:
            raise Http404(gettext("Unknown language."))
        text = selectors.policy_text(version=version, language=language)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": version,
            "title": gettext("Preview of %(version)s") % {"version": version},
            "text": text,
            "body_html": render_policy_text(text["body"]),
            "hash_is_stored": bool(version.content_hashes.get(text["language"])),
            "languages": settings.LANGUAGES,
            "language": language,
        }
        return TemplateResponse(request, "admin/policies/policyversion/preview.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = obj is not None and obj.is_editable and self.has_publish_permission(request)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # ----------------------------------------------------------------- read-only displays
    @admin.display(description=_("content hashes"))
    def content_hashes_display(self, obj: PolicyVersion) -> str:
        if not obj or not obj.content_hashes:
            return gettext("Set when the version is published.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}: <code>{}</code></li>", sorted(obj.content_hashes.items())),
        )

    @admin.display(description=_("preview"))
    def preview_links(self, obj: PolicyVersion) -> str:
        if not obj or not obj.pk:
            return gettext("Available once the draft is saved.")
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:policies_policyversion_preview", args=[obj.pk, code]), name)
                for code, name in settings.LANGUAGES
            ),
        )
