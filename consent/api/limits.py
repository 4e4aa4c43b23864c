"""What every rate limit shares (django-ratelimit): who is counted, and the public forms' rate."""

from django.conf import settings


def client_ip_key(group, request) -> str:
    """The client's address as the server sees it. A bare WSGI call may have none: it is
    still counted, in one shared bucket, never a 500 (django-ratelimit's "ip" key raises)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def public_form_rate(group, request) -> str:
    """PUBLIC_FORM_RATE, read per request so a test or a settings change takes effect."""
    return settings.PUBLIC_FORM_RATE
