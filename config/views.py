from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found, server_error

from consent.api.errors import error_body


def _database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _broker_reachable() -> bool:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            # One attempt: a probe answers at once, and whoever probes tries again.
            conn.ensure_connection(max_retries=0, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@never_cache
def healthz(request):
    checks = {"database": _database_reachable()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_reachable()
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _broker_reachable()
    failing = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {k: "ok" if v else "unreachable" for k, v in checks.items()},
    }
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return page_not_found(request, exception)


def error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", _("Internal error; it has been logged.")), status=500)
    return server_error(request)
