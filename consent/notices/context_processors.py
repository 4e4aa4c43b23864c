"""`policy_notices` on every page: the material changes a visitor has not dismissed."""

from django.utils.functional import SimpleLazyObject

from consent.notices.selectors import policy_notices_for_visitor
from consent.policies.selectors import policy_language_active

DISMISSED_COOKIE = "policy_notices_dismissed"


def dismissed_versions(request) -> set[int]:
    raw = request.COOKIES.get(DISMISSED_COOKIE, "")
    return {int(part) for part in raw.split(".") if part.isdigit()}


def policy_notices(request) -> dict:
    def notices():
        user = getattr(request, "user", None)
        country = str(getattr(user, "country", "") or "") if user is not None and user.is_authenticated else ""
        return policy_notices_for_visitor(
            country=country, language=policy_language_active(), dismissed=dismissed_versions(request)
        )

    # Lazy: a template that never shows the notice (an email, the admin) costs no query.
    return {"policy_notices": SimpleLazyObject(notices)}
