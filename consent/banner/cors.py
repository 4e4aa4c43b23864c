"""Who may call the banner's endpoints from a browser: the company's sites listed in
CONSENT_BANNER_ORIGINS, and the platform itself (the portal includes the same script).

These endpoints take no CSRF token: a script on another origin cannot read the platform's
CSRF cookie, and the visitor cookie is the only credential. What a CSRF token would prove
(the request comes from a page we trust) the Origin header proves here: browsers set it on
every cross-origin request and on every POST, and a page cannot forge it. So a POST whose
Origin is not on the list is refused. A request without Origin comes from no browser page
(curl, a server), which cannot carry a visitor's cookie without having it already."""

from django.conf import settings


def request_origin(request) -> str | None:
    return request.headers.get("Origin") or None


def own_origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def origin_allowed(request, origin: str) -> bool:
    return origin in settings.CONSENT_BANNER_ORIGINS or origin == own_origin(request)


def cors_headers(request, response, *, preflight: bool = False):
    """Allow the calling origin, with credentials, when it is on the list; otherwise add
    nothing, and the browser keeps the answer from the page."""
    origin = request_origin(request)
    vary = [value for value in (response.get("Vary") or "").split(", ") if value]
    response["Vary"] = ", ".join(dict.fromkeys([*vary, "Origin"]))
    if origin is None or not origin_allowed(request, origin):
        return response
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Credentials"] = "true"
    if preflight:
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Sec-GPC, If-None-Match"
        response["Access-Control-Max-Age"] = "600"
    return response
