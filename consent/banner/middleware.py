from consent.banner.visitor import visitor_cookie_delete, visitor_cookie_set


class BannerCookieMiddleware:
    """Sets or removes the visitor cookie as the login and logout signals asked
    (consent.banner.signals): a signal receiver has the request but not the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        subject_id = getattr(request, "banner_visitor_subject_id", None)
        if subject_id is not None:
            visitor_cookie_set(response, subject_id)
        elif getattr(request, "banner_visitor_forget", False):
            visitor_cookie_delete(response)
        return response
