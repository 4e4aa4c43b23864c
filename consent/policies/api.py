"""Public policy endpoints: policies are public documents, so no key is needed.

Each view's input and output serializers sit just above it."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.api.errors import ErrorSerializer
from consent.policies import selectors
from consent.policies.models import PolicyDocument, PolicyVersion


def _request_language(validated: dict) -> str:
    # No ?language=: the one LocaleMiddleware negotiated from Accept-Language.
    return validated.get("language") or selectors.policy_language_active()


def _document_or_404(slug: str) -> PolicyDocument:
    document = selectors.policy_document_get(slug=slug)
    if document is None:
        raise exceptions.NotFound(_("There is no policy document '%(slug)s'.") % {"slug": slug})
    return document


def _public_version_or_404(slug: str, pk: int) -> PolicyVersion:
    _document_or_404(slug)
    version = selectors.policy_version_public_get(slug=slug, pk=pk)
    if version is None:
        raise exceptions.NotFound(_("Document '%(slug)s' has no published version %(id)s.") % {"slug": slug, "id": pk})
    return version


def _links(request, version: PolicyVersion) -> dict:
    return {
        "url": request.build_absolute_uri(version.get_absolute_url()),
        "api_url": request.build_absolute_uri(
            reverse("policy-version-detail", kwargs={"slug": version.document.slug, "pk": version.pk})
        ),
    }


def _version_fields(version: PolicyVersion) -> dict:
    return {
        "id": version.pk,
        "label": version.label,
        "country": version.country.code or "",
        "status": version.status,
        "effective_at": version.effective_at,
        "is_material": version.is_material,
        "published_at": version.published_at,
        "retired_at": version.retired_at,
    }


# ---------------------------------------------------------------------------- shared serializers
class PolicyLanguageInputSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=selectors.LANGUAGE_CODES,
        required=False,
        allow_blank=True,
        help_text="en, sv or fr; by default the Accept-Language header's, else en.",
    )


class PolicyCountryField(serializers.CharField):
    """An ISO 3166-1 alpha-2 code, any case; "" for none."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_blank=True, max_length=8, **kwargs)

    def to_internal_value(self, data):
        code = selectors.policy_country_normalise(super().to_internal_value(data))
        if code is None:
            raise serializers.ValidationError(
                _("Unknown country code '%(code)s'; use ISO 3166-1 alpha-2, e.g. SE.") % {"code": data}
            )
        return code


class PolicyVersionTextOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document = serializers.SlugField(help_text="The document's slug.")
    label = serializers.CharField()
    country = serializers.CharField(help_text='ISO 3166-1 alpha-2; "" for the version that applies everywhere.')
    status = serializers.ChoiceField(choices=PolicyVersion.Status.choices)
    effective_at = serializers.DateTimeField()
    is_material = serializers.BooleanField()
    published_at = serializers.DateTimeField()
    retired_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField(help_text="The language served: the one asked for, or en when it has no text.")
    requested_language = serializers.CharField()
    is_fallback = serializers.BooleanField(help_text="True when the text is served in English instead.")
    title = serializers.CharField()
    summary_of_changes = serializers.CharField(allow_blank=True)
    body = serializers.CharField(help_text="Markdown subset: ## headings, - lists, **bold**, | tables |.")
    content_hash = serializers.CharField(help_text='SHA-256 hex of title + "\\n\\n" + body, as served (UTF-8).')
    url = serializers.URLField(help_text="The human-readable page.")
    api_url = serializers.URLField()


def _version_text(request, version: PolicyVersion, language: str) -> dict:
    return {
        **_version_fields(version),
        "document": version.document.slug,
        **selectors.policy_text(version=version, language=language),
        **_links(request, version),
    }


# ---------------------------------------------------------------------------- current
class PolicyVersionCurrentInputSerializer(PolicyLanguageInputSerializer):
    country = PolicyCountryField(help_text="The country's own version if it has one, else the global one.")
    at = serializers.DateTimeField(required=False, help_text="The version in force at this moment instead of now.")


class PolicyVersionCurrentApi(APIView):
    """The version of a policy in force, in the reader's language."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="policy_version_current",
        summary="The version in force",
        parameters=[PolicyVersionCurrentInputSerializer],
        responses={200: PolicyVersionTextOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, slug: str):
        params = PolicyVersionCurrentInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        _document_or_404(slug)
        version = selectors.policy_version_current(
            slug=slug, country=params.validated_data.get("country", ""), at=params.validated_data.get("at")
        )
        if version is None:
            raise exceptions.NotFound(_("No version of '%(slug)s' is in force.") % {"slug": slug})
        data = _version_text(request, version, _request_language(params.validated_data))
        return Response(PolicyVersionTextOutputSerializer(data).data)


# ---------------------------------------------------------------------------- list
class PolicyVersionListInputSerializer(PolicyLanguageInputSerializer):
    country = PolicyCountryField(help_text="Only that country's versions and the global ones; by default all.")


class PolicyVersionListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    country = serializers.CharField()
    status = serializers.ChoiceField(choices=PolicyVersion.Status.choices)
    effective_at = serializers.DateTimeField()
    is_material = serializers.BooleanField()
    published_at = serializers.DateTimeField()
    retired_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField(help_text="The language of title and summary_of_changes.")
    title = serializers.CharField()
    summary_of_changes = serializers.CharField(allow_blank=True)
    content_hashes = serializers.DictField(child=serializers.CharField(), help_text="{language: SHA-256 hex}")
    url = serializers.URLField(help_text="The human-readable page.")
    api_url = serializers.URLField(help_text="The version's text (API).")
    diff_from_previous_url = serializers.URLField(
        allow_null=True, help_text="The changes from the version this one followed (API); null for the first."
    )


class PolicyVersionListOutputSerializer(serializers.Serializer):
    document = serializers.SlugField()
    kind = serializers.CharField()
    title = serializers.CharField()
    versions = PolicyVersionListItemSerializer(many=True, help_text="Newest first.")


class PolicyVersionListApi(APIView):
    """Every published version of a document, the one in force and the retired ones, newest first."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="policy_version_list",
        summary="Every published version",
        parameters=[PolicyVersionListInputSerializer],
        responses={200: PolicyVersionListOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, slug: str):
        params = PolicyVersionListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        document = _document_or_404(slug)
        language = _request_language(params.validated_data)
        versions = []
        for version, previous in selectors.policy_versions_with_previous(
            slug=slug, country=params.validated_data.get("country") or None
        ):
            text = selectors.policy_text(version=version, language=language)
            diff_url = None
            if previous is not None:
                diff_url = request.build_absolute_uri(
                    reverse("policy-version-diff", kwargs={"slug": slug, "pk": previous.pk, "other_pk": version.pk})
                )
            versions.append(
                {
                    **_version_fields(version),
                    "language": text["language"],
                    "title": text["title"],
                    "summary_of_changes": text["summary_of_changes"],
                    "content_hashes": version.content_hashes,
                    **_links(request, version),
                    "diff_from_previous_url": diff_url,
                }
            )
        title = selectors.policy_document_title(document=document, language=language)
        data = {"document": document.slug, "kind": document.kind, "title": title, "versions": versions}
        return Response(PolicyVersionListOutputSerializer(data).data)


# ---------------------------------------------------------------------------- detail
class PolicyVersionDetailApi(APIView):
    """One published or retired version, in the reader's language."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="policy_version_detail",
        summary="One published version",
        parameters=[PolicyLanguageInputSerializer],
        responses={200: PolicyVersionTextOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, slug: str, pk: int):
        params = PolicyLanguageInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        version = _public_version_or_404(slug, pk)
        data = _version_text(request, version, _request_language(params.validated_data))
        return Response(PolicyVersionTextOutputSerializer(data).data)


# ---------------------------------------------------------------------------- diff
class PolicyVersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    effective_at = serializers.DateTimeField()
    url = serializers.URLField()
    api_url = serializers.URLField()


class PolicyDiffLineSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "delete", "insert"])
    text = serializers.CharField(allow_blank=True)


class PolicyVersionDiffOutputSerializer(serializers.Serializer):
    document = serializers.SlugField()
    old = PolicyVersionRefSerializer()
    new = PolicyVersionRefSerializer()
    language = serializers.CharField(help_text="Both texts are compared in this language (en when either lacks it).")
    inserted = serializers.IntegerField(help_text="Lines only in the new version.")
    deleted = serializers.IntegerField(help_text="Lines only in the old version.")
    lines = PolicyDiffLineSerializer(
        many=True, help_text="Every line of both texts in reading order; a changed line is a delete then an insert."
    )


class PolicyVersionDiffApi(APIView):
    """What changed from version `pk` to version `other_pk`: a line diff of the text."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="policy_version_diff",
        summary="The changes between two versions",
        parameters=[
            PolicyLanguageInputSerializer,
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The version compared from."),
            OpenApiParameter(
                "other_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The version compared to."
            ),
        ],
        responses={200: PolicyVersionDiffOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, slug: str, pk: int, other_pk: int):
        params = PolicyLanguageInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        old = _public_version_or_404(slug, pk)
        new = _public_version_or_404(slug, other_pk)
        language = _request_language(params.validated_data)
        lines = selectors.policy_version_diff(old=old, new=new, language=language)

        def ref(version: PolicyVersion) -> dict:
            return {"id": version.pk, "label": version.label, "effective_at": version.effective_at} | _links(
                request, version
            )

        data = {
            "document": slug,
            "old": ref(old),
            "new": ref(new),
            "language": selectors.policy_diff_language(old=old, new=new, language=language),
            **selectors.policy_diff_counts(lines),
            "lines": lines,
        }
        return Response(PolicyVersionDiffOutputSerializer(data).data)


urlpatterns = [
    path("policies/<slug:slug>/current/", PolicyVersionCurrentApi.as_view(), name="policy-version-current"),
    path("policies/<slug:slug>/versions/", PolicyVersionListApi.as_view(), name="policy-version-list"),
    path("policies/<slug:slug>/versions/<int:pk>/", PolicyVersionDetailApi.as_view(), name="policy-version-detail"),
    path(
        "policies/<slug:slug>/versions/<int:pk>/diff/<int:other_pk>/",
        PolicyVersionDiffApi.as_view(),
        name="policy-version-diff",
    ),
]
