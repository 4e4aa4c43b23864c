from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.accounts.models import ApiKey
from consent.api.errors import ErrorSerializer


class ApiKeyCurrentApi(APIView):
    """Which key is calling, and with which scopes: lets an integrator check its setup."""

    def check_permissions(self, request):
        if not isinstance(request.auth, ApiKey):
            self.permission_denied(request, message="Call this endpoint with an API key.")

    @extend_schema(
        summary="The calling API key",
        responses={
            200: inline_serializer(
                "ApiKeyCurrent",
                {
                    "name": serializers.CharField(),
                    "prefix": serializers.CharField(),
                    "scopes": serializers.ListField(child=serializers.CharField()),
                },
            ),
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    def get(self, request):
        key = request.auth
        return Response({"name": key.name, "prefix": key.prefix, "scopes": key.scopes})


urlpatterns = [
    path("auth/key/", ApiKeyCurrentApi.as_view(), name="api-key-current"),
]
