"""The script every company site includes, and the Global Privacy Control statement."""

import hashlib
from functools import cache
from pathlib import Path

from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.views.decorators.http import require_GET

SCRIPT_PATH = Path(__file__).parent / "static" / "banner" / "consent-banner.js"
SCRIPT_MAX_AGE = 3600
# The day this platform began honouring GPC (the date the statement last changed).
GPC_LAST_UPDATE = "2026-11-23"


@cache
def _script() -> tuple[bytes, str]:
    body = SCRIPT_PATH.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _public(response: HttpResponse, max_age: int) -> HttpResponse:
    # Loaded by other sites' pages: any origin may fetch it, and shared caches may keep it.
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_GET
def banner_script(request):
    body, etag = _script()
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    return _public(response, SCRIPT_MAX_AGE)


@require_GET
def gpc_statement(request):
    """/.well-known/gpc.json: this site honours Global Privacy Control."""
    return _public(JsonResponse({"gpc": True, "lastUpdate": GPC_LAST_UPDATE}), 86400)
