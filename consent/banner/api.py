"""The cookie banner's public endpoints, called by consent-banner.js from the company's sites.

Cross-origin rules and why an Origin check replaces the CSRF token: consent.banner.cors."""

import functools
import hashlib
import json
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import is_ratelimited
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from consent.api.errors import ErrorSerializer
from consent.api.limits import client_ip_key
from consent.api.parsers import StrictJSONParser
from consent.banner import selectors, services
from consent.banner.cors import cors_headers, origin_allowed, own_origin, request_origin
from consent.banner.visitor import COOKIE_NAME, visitor_cookie_set, visitor_subject_id
from consent.ledger.chain import Evidence
from consent.ledger.models import ConsentEvent
from consent.policies.selectors import policy_language_active

CONFIG_MAX_AGE = 300


class OriginRefused(exceptions.PermissionDenied):
    default_detail = gettext_lazy("This site may not record cookie choices here.")
    default_code = "origin_refused"


def _rate_limit(request) -> None:
    """POSTs only, as the portal's public forms: a write makes a Subject and ledger events,
    while a read is one indexed query of the caller's own row (and the limiter's cache round
    trips would cost it more than the read itself)."""
    if is_ratelimited(
        request._request,
        group="banner",
        key=client_ip_key,
        rate=settings.CONSENT_BANNER_RATE,
        method="POST",
        increment=True,
    ):
        raise exceptions.Throttled()


def _gpc_signal(request) -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1"


class BannerApiView(APIView):
    """Public and cookie-authenticated: no DRF authentication (so no session CSRF check),
    the Origin checked against the allow-list instead, CORS headers for allowed origins."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def initial(self, request, *args, **kwargs):
        # DRF replaces the request's user with AnonymousUser (no authenticators here): keep
        # the session's, lazily, for the portal's own pages.
        self.session_user = getattr(request._request, "user", None)
        super().initial(request, *args, **kwargs)
        origin = request_origin(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and origin and not origin_allowed(request, origin):
            raise OriginRefused()

    def options(self, request, *args, **kwargs):
        origin = request_origin(request)
        if origin and not origin_allowed(request, origin):
            raise OriginRefused()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return cors_headers(request, response, preflight=request.method == "OPTIONS")


# ---------------------------------------------------------------------------- config
class BannerConfigInputSerializer(serializers.Serializer):
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=35,
        help_text="A language tag (sv, sv-SE, fr-CA…); by default Accept-Language's. Unknown: English.",
    )


class BannerCategorySerializer(serializers.Serializer):
    key = serializers.CharField(help_text="necessary, analytics, personalisation or advertising.")
    purpose = serializers.CharField(allow_null=True, help_text="The ledger purpose; null for strictly necessary.")
    required = serializers.BooleanField(help_text="Always on: shown, never asked, never recorded.")
    name = serializers.CharField()
    description = serializers.CharField()


class BannerTextsSerializer(serializers.Serializer):
    title = serializers.CharField()
    body = serializers.CharField()
    accept_all = serializers.CharField()
    reject_all = serializers.CharField()
    choose = serializers.CharField()
    save = serializers.CharField()
    policy_link = serializers.CharField()
    necessary_note = serializers.CharField()
    gpc_honoured = serializers.CharField()
    categories_legend = serializers.CharField()


class BannerConfigOutputSerializer(serializers.Serializer):
    language = serializers.CharField()
    texts = BannerTextsSerializer()
    categories = BannerCategorySerializer(many=True)
    policy_url = serializers.URLField()
    text_hash = serializers.CharField(help_text="SHA-256 of the texts and categories: the text a choice cites.")


# Every visitor of every site asks for the same few bodies (a language, a host): render each
# once a minute per process, as the purposes it shows are cached (consent.ledger.selectors).
_CONFIG_CACHE_SECONDS = 60
_config_cache: dict[tuple[str, str], tuple[float, dict, bytes, str]] = {}


def _config(language: str, base_url: str) -> tuple[dict, bytes, str]:
    """The config's data, its JSON body and the body's strong ETag."""
    cached = _config_cache.get((language, base_url))
    if cached and time.monotonic() - cached[0] < _CONFIG_CACHE_SECONDS:
        return cached[1:]
    data = BannerConfigOutputSerializer(selectors.banner_config(language=language, base_url=base_url)).data
    body = json.dumps(data, ensure_ascii=False).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    _config_cache[(language, base_url)] = (time.monotonic(), data, body, etag)
    return data, body, etag


class BannerConfigApi(BannerApiView):
    """The banner's categories and texts in the visitor's language. Cacheable: a strong ETag
    over the body, and 304 for a matching If-None-Match."""

    @extend_schema(
        operation_id="banner_config",
        summary="Cookie banner texts and categories",
        parameters=[BannerConfigInputSerializer],
        responses={200: BannerConfigOutputSerializer, 304: None, 400: ErrorSerializer},
    )
    def get(self, request):
        params = BannerConfigInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        language = selectors.banner_language(params.validated_data.get("language")) or (
            policy_language_active() if not params.validated_data.get("language") else "en"
        )
        data, body, etag = _config(language, own_origin(request))
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        response["Cache-Control"] = f"public, max-age={CONFIG_MAX_AGE}"
        response["Vary"] = "Accept-Language"
        response["Content-Language"] = language
        return response


# ---------------------------------------------------------------------------- choices
class BannerChoicesInputSerializer(serializers.Serializer):
    choices = serializers.DictField(
        child=serializers.BooleanField(),
        required=False,
        default=dict,
        help_text="{category: yes/no} for analytics, personalisation, advertising; one left out keeps its state.",
    )
    gpc = serializers.BooleanField(
        required=False, default=False, help_text="navigator.globalPrivacyControl; the Sec-GPC: 1 header counts too."
    )
    language = serializers.CharField(
        required=False, allow_blank=True, max_length=35, help_text="The language the banner was shown in."
    )

    def validate_choices(self, value):
        unknown = sorted(set(value) - set(selectors.CATEGORIES))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown categories: %(unknown)s. Known: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(selectors.CATEGORIES)}
            )
        return value


class BannerCurrentChoicesSerializer(serializers.Serializer):
    analytics = serializers.BooleanField(allow_null=True)
    personalisation = serializers.BooleanField(allow_null=True)
    advertising = serializers.BooleanField(allow_null=True)


class BannerChoicesOutputSerializer(serializers.Serializer):
    choices = BannerCurrentChoicesSerializer(help_text="null: not chosen yet (so off).")
    decided = serializers.BooleanField(help_text="Every category has been chosen: the banner need not show.")
    gpc_signal = serializers.BooleanField(help_text="This request carried Sec-GPC: 1.")
    gpc_honoured = serializers.BooleanField(help_text="Advertising is off because of a Global Privacy Control signal.")


def _visitor_subject_id(request, session_user):
    """Whose choices these are: the signed-in person on the portal (same site, so the session
    comes along), else the Subject the visitor cookie names. Never one the request names."""
    if session_user is not None and session_user.is_authenticated:
        subject = getattr(session_user, "subject", None)
        if subject is not None:
            return subject.pk
    return visitor_subject_id(request.COOKIES.get(COOKIE_NAME))


def _answer(request, subject_id) -> JsonResponse:
    """BannerChoicesOutputSerializer's shape, as a plain JsonResponse: a returning visitor's
    read is the banner's most frequent call, and through DRF's request wrapping, negotiation
    and rendering it cost 800-900 µs in-process against 450-510 µs without (the one-SELECT
    ceiling view: 420-470 µs)."""
    current = selectors.banner_choices(subject_id=subject_id) or selectors.NO_CHOICES
    signal = _gpc_signal(request)
    withdrawn = current.choices[selectors.GPC_CATEGORY] is False
    response = JsonResponse(
        {
            "choices": current.choices,
            "decided": current.decided,
            "gpc_signal": signal,
            "gpc_honoured": current.advertising_by_gpc or (signal and withdrawn),
        }
    )
    # The answer is this visitor's own: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


class BannerChoicesApi(BannerApiView):
    """This visitor's cookie choices: read them, or record a change. The visitor is the one
    the visitor cookie names (or, on the portal, the signed-in person); nobody else's
    choices can be read or written here."""

    # JSON only: a form or text/plain POST (which a foreign page could send without a CORS
    # preflight) is refused before anything is read.
    parser_classes = [StrictJSONParser]

    @classmethod
    def as_view(cls, **initkwargs):
        drf_view = super().as_view(**initkwargs)

        # A GET reads nothing the request sends but its cookies and Sec-GPC, and DRF adds no
        # check to it here (no authentication, AllowAny, the Origin checked on writes only):
        # answered without DRF's request wrapping and content negotiation. wraps: the schema
        # generator still finds the class, and the view stays CSRF-exempt as DRF's is.
        @functools.wraps(drf_view)
        def view(request, *args, **kwargs):
            if request.method == "GET":
                user = getattr(request, "user", None)
                return cors_headers(request, _answer(request, _visitor_subject_id(request, user)))
            return drf_view(request, *args, **kwargs)

        return view

    @extend_schema(
        operation_id="banner_choices_get",
        summary="This visitor's cookie choices",
        responses={200: BannerChoicesOutputSerializer},
    )
    def get(self, request):
        return _answer(request, _visitor_subject_id(request, self.session_user))

    @extend_schema(
        operation_id="banner_choices_record",
        summary="Record this visitor's cookie choices",
        parameters=[OpenApiParameter("Sec-GPC", str, OpenApiParameter.HEADER, required=False)],
        request=BannerChoicesInputSerializer,
        responses={
            200: BannerChoicesOutputSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request):
        _rate_limit(request)
        params = BannerChoicesInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        known = selectors.banner_subject_get(_visitor_subject_id(request, self.session_user))
        language = selectors.banner_language(params.validated_data.get("language")) or policy_language_active()
        shown, _body, _etag = _config(language, own_origin(request))
        origin = request_origin(request)
        subject, _events = services.banner_choices_record(
            subject=known,
            choices=params.validated_data["choices"],
            gpc=params.validated_data["gpc"] or _gpc_signal(request),
            # The portal's own pages are the self-service portal; the company's sites call the API.
            source=ConsentEvent.Source.PORTAL if origin == own_origin(request) else ConsentEvent.Source.API,
            evidence=Evidence(
                ip_address=request.META.get("REMOTE_ADDR") or None,
                user_agent=request.headers.get("User-Agent", "")[:512],
                language=language,
                text_hash=shown["text_hash"],
            ),
        )
        response = _answer(request, subject.pk)
        if known is None or visitor_subject_id(request.COOKIES.get(COOKIE_NAME)) != subject.pk:
            visitor_cookie_set(response, subject.pk)
        return response


urlpatterns = [
    path("banner/config/", BannerConfigApi.as_view(), name="banner-config"),
    path("banner/choices/", BannerChoicesApi.as_view(), name="banner-choices"),
]
