"""Who may call the API: API keys with scopes, and staff sessions with model permissions.

A request carries `Authorization: Api-Key <prefix>.<secret>`. A missing or bad key
is a 401; a good key without the scope an endpoint names is a 403. A staff member
signed in to the back office (password and second factor) reaches an endpoint with their
session only when their model permissions give them the same in the admin (SCOPE_PERMISSIONS)."""

import hashlib
import time

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from consent.accounts.identity import InvalidIdentifier, canonical_email
from consent.accounts.models import ApiKey, ApiScope

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        key = _presented_key(authentication.get_authorization_header(request).decode("latin-1"))
        if key is None:
            return None
        api_key = _api_key_for(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        return (None, api_key)

    def authenticate_header(self, request) -> str:
        return KEYWORD


def _presented_key(header: str) -> str | None:
    """The key in an `Api-Key <key>` Authorization header; None for no header or another scheme."""
    keyword, _sep, key = header.partition(" ")
    return key.strip() if keyword == KEYWORD else None


def api_key_with_scope(header: str, scope: str) -> ApiKey | None:
    """The valid key an Authorization header presents, if it carries `scope`, else None. For a
    hot path that answers only such callers itself and leaves everyone else (no key, a bad key,
    a session) to ApiKeyAuthentication and HasScope, which refuse them in the API's words."""
    key = _presented_key(header)
    api_key = _api_key_for(key) if key else None
    return api_key if api_key is not None and api_key.has_scope(scope) else None


# Verified keys are remembered for a few seconds per process, so a busy integration
# does not pay a query per request; a revocation takes effect within that time.
_verified: dict[str, tuple[float, ApiKey]] = {}
_VERIFIED_MAX = 1000


def _api_key_for(key: str) -> ApiKey | None:
    prefix, _dot, secret = key.partition(".")
    if not prefix or not secret:
        return None
    fingerprint = hashlib.sha256(key.encode()).hexdigest()
    now = time.monotonic()
    cached = _verified.get(fingerprint)
    if cached and cached[0] > now and not cached[1].has_expired:
        return cached[1]
    api_key = ApiKey.objects.filter(prefix=prefix).order_by().first()
    if api_key is None or api_key.has_expired or api_key.revoked or not api_key.is_valid(key):
        _verified.pop(fingerprint, None)
        return None
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[fingerprint] = (now + settings.API_KEY_CACHE_SECONDS, api_key)
    return api_key


# What a session needs for what a key needs a scope for: the same model permissions the
# admin asks for the same data, so the API gives no role more than its admin pages do.
SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ApiScope.CONSENT_READ: ("ledger.view_consentevent", "ledger.view_consentstate"),
    ApiScope.CONSENT_WRITE: ("ledger.add_consentevent",),
    ApiScope.SUPPRESSION_READ: ("suppression.view_suppressionentry", "suppression.view_suppressionimport"),
    ApiScope.SUPPRESSION_WRITE: ("suppression.add_suppressionentry", "suppression.add_suppressionimport"),
    ApiScope.REQUESTS_WRITE: ("requests_app.change_subjectrequest",),
}


class HasScope(permissions.BasePermission):
    """The view names `required_scopes` ({method: scope} or one scope for all).

    An API key needs the scope; an active staff session needs the scope's model
    permissions (SCOPE_PERMISSIONS); anyone else is refused. Views that serve the public
    set `permission_classes` themselves."""

    def has_permission(self, request, view) -> bool:
        scope = required_scope(view, request.method)
        if isinstance(request.auth, ApiKey):
            if scope is None or not request.auth.has_scope(scope):
                if scope:
                    self.message = _("This API key lacks the scope '%(scope)s'.") % {"scope": scope}
                return False
            return True
        user = request.user
        if user is None or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return staff_may(user, scope)


def staff_may(user, scope: str | None) -> bool:
    """Whether a signed-in user's session may do what `scope` allows a key.

    Only a session that has passed the second factor counts (django-otp's OTPMiddleware
    gives the user `is_verified`): a password alone opens neither the admin nor the API."""
    if scope is None or not (user.is_active and user.is_staff and staff_verified(user)):
        return False
    return user.has_perms(SCOPE_PERMISSIONS[scope])


def staff_verified(user) -> bool:
    """Whether this request's user has passed the second factor in this session."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def required_scope(view, method: str) -> str | None:
    scopes = getattr(view, "required_scopes", None)
    if isinstance(scopes, dict):
        return scopes.get(method) or scopes.get("*")
    return scopes


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "consent.accounts.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Api-Key <key>"}


def login_username(request, credentials: dict | None = None) -> str:
    """The username django-axes counts failed logins against: the canonical address, so
    `LOCKME@example.com` and `lockme@example.com ` share one count and one lockout."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username")
    raw = str(raw or "")
    try:
        return canonical_email(raw)
    except InvalidIdentifier:
        return raw.strip().lower()
