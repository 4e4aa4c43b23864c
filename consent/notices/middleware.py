"""A signed-in person answers a material policy change before any other portal page.

Only the portal's pages (URL namespace "portal") are held back: the admin, the policy
pages, logging out and the answer page itself are not. A non-material version is
recorded as accepted by continued use the first time the person opens the portal after
its publication (which, as login lands in the portal, is at their next login)."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from consent.notices import selectors, services
from consent.policies.selectors import policy_language_active
from consent.portal.selectors import privacy_policy_shown
from consent.portal.views import request_context

# The id of the version in force that this session has settled (accepted, declined, or
# nothing to do): the portal's pages then cost one lookup of the version in force.
SETTLED_SESSION_KEY = "policy_update_settled"
DECLINED_SESSION_KEY = "policy_update_declined"


def session_settle(request, version_id: int) -> None:
    request.session[SETTLED_SESSION_KEY] = version_id


class PolicyUpdateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        user = getattr(request, "user", None)
        if match is None or match.namespace != "portal" or user is None or not user.is_authenticated:
            return None
        language = policy_language_active()
        shown = privacy_policy_shown(country=str(user.country or ""), language=language)
        if shown is None or request.session.get(SETTLED_SESSION_KEY) == shown.version.pk:
            return None
        pending = selectors.policy_update_pending(user=user, language=language)
        if pending is not None and pending.material:
            url = reverse("notices:policy-update")
            return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
        if pending is not None:
            services.policy_continued_use_record(user=user, language=language, context=request_context(request))
        session_settle(request, shown.version.pk)
        return None
