"""People and keys over HTTP: which key is calling, and finding a person's subject id."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.accounts.identity import InvalidIdentifier
from consent.accounts.models import ApiKey, ApiScope, DataAccess, Subject
from consent.accounts.scope import subject_visible_to_staff
from consent.accounts.selectors import subject_resolve
from consent.accounts.services import data_access_record
from consent.api.errors import ERRORS, ErrorSerializer


def subject_or_404(subject_id: str, *, request=None) -> Subject:
    """The subject an API path names. With `request`, a staff session sees only the people its
    office scope allows (consent.accounts.scope); others get the same 404 as a wrong id."""
    try:
        subject = subject_resolve(subject_id=subject_id)
    except InvalidIdentifier as exc:
        raise exceptions.NotFound(str(exc)) from None
    if subject is None or (request is not None and not subject_visible(request, subject.pk)):
        raise exceptions.NotFound(_("No such subject."))
    return subject


def subject_visible(request, subject_id) -> bool:
    """Whether an API request may see this person: keys by their scopes alone, staff sessions
    within their office scope."""
    user = request.user
    if isinstance(request.auth, ApiKey) or not (user and user.is_authenticated and user.is_staff):
        return True
    return subject_visible_to_staff(user=user, subject_id=subject_id)


# ---------------------------------------------------------------------------- the calling key
class ApiKeyCurrentOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiScope.choices))


class ApiKeyCurrentApi(APIView):
    """Which key is calling, and with which scopes: lets an integrator check its setup."""

    def check_permissions(self, request):
        if not isinstance(request.auth, ApiKey):
            self.permission_denied(request, message=_("Call this endpoint with an API key."))

    @extend_schema(
        summary="The calling API key",
        responses={200: ApiKeyCurrentOutputSerializer, 401: ErrorSerializer, 403: ErrorSerializer},
    )
    def get(self, request):
        key = request.auth
        return Response(ApiKeyCurrentOutputSerializer(key).data)


# ---------------------------------------------------------------------------- lookup
class SubjectLookupInputSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=320)
    external_id = serializers.CharField(required=False, max_length=128)

    def validate(self, attrs):
        if len(attrs) != 1:
            raise serializers.ValidationError(_("Give exactly one of email or external_id."))
        return attrs


class SubjectLookupOutputSerializer(serializers.Serializer):
    subject_id = serializers.UUIDField(source="pk")
    external_id = serializers.CharField(allow_null=True)
    erased = serializers.BooleanField()


class SubjectLookupApi(APIView):
    """A POST, so that an email address never appears in a URL or an access log."""

    required_scopes = "consent:read"

    @extend_schema(
        summary="Find a person's subject id by email or external id",
        request=SubjectLookupInputSerializer,
        responses={200: SubjectLookupOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = SubjectLookupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            subject = subject_resolve(**data.validated_data)
        except InvalidIdentifier as exc:
            raise exceptions.ValidationError({"email": str(exc)}) from None
        if subject is None or not subject_visible(request, subject.pk):
            raise exceptions.NotFound(_("No such subject."))
        subject.erased = subject.erased_at is not None
        data_access_record(request=request, kind=DataAccess.Kind.LOOKUP, object_id=subject.pk, subject_id=subject.pk)
        return Response(SubjectLookupOutputSerializer(subject).data)


urlpatterns = [
    path("auth/key/", ApiKeyCurrentApi.as_view(), name="api-key-current"),
    path("subjects/lookup/", SubjectLookupApi.as_view(), name="subject-lookup"),
]
