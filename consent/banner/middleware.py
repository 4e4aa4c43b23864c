from consent.banner.visitor import visitor_cookie_set


class BannerCookieMiddleware:
    """Sets the visitor cookie that the login signal (consent.banner.signals) asked for: a
    signal receiver has the request but not the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        subject_id = getattr(request, "banner_visitor_subject_id", None)
        if subject_id is not None:
            visitor_cookie_set(response, subject_id)
        return response
