from django.core.exceptions import ObjectDoesNotExist, ValidationError

from consent.banner.selectors import banner_subject_get
from consent.banner.services import banner_visitor_merge
from consent.banner.visitor import COOKIE_NAME, visitor_subject_id


def visitor_merge_at_login(sender, request, user, **_kwargs) -> None:
    """user_logged_in: the choices this browser made before logging in become the person's,
    and the visitor cookie is re-pointed to the person (BannerCookieMiddleware sets it)."""
    if request is None:
        return
    try:
        person = user.subject
    except ObjectDoesNotExist:
        return  # staff without a Subject of their own: nothing to merge into
    visitor = banner_subject_get(visitor_subject_id(request.COOKIES.get(COOKIE_NAME)))
    if visitor is not None and visitor.pk != person.pk:
        try:
            banner_visitor_merge(anonymous=visitor, person=person)
        except ValidationError:
            return  # an erased person takes no new choices; the login itself goes on
    if visitor is None or visitor.pk != person.pk:
        request.banner_visitor_subject_id = person.pk


def visitor_forget_at_logout(sender, request, user, **_kwargs) -> None:
    """user_logged_out: the cookie named the person; on a shared computer the next visitor's
    choices must not be recorded as theirs."""
    if request is not None:
        request.banner_visitor_forget = True
