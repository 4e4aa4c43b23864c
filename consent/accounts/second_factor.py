"""The staff second factor: an authenticator app (TOTP) and single-use backup codes, on django-otp.

A staff member signs in with their password, then gives a code; one without a confirmed
authenticator enrols first (scan, confirm a code) and receives backup codes. The session
counts as verified (`request.user.is_verified()`, from django-otp's OTPMiddleware) only
after `django_otp.login`, which the back office's views call once a code is accepted.

Wrong codes are failed logins: each is reported to django-axes under the same canonical
address as a wrong password, so five wrong passwords or codes in any mix lock the account
for that address and IP. Each device also slows down by itself after failures
(django-otp's throttling: 1, 2, 4… seconds)."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.accounts.models import User

TOTP_DEVICE_NAME = _("Authenticator app")
BACKUP_DEVICE_NAME = _("Backup codes")
BACKUP_CODE_COUNT = 10
TOTP_DIGITS = 6


def staff_second_factor_enrolled(*, user: User) -> bool:
    """Whether the user has a confirmed device to give a code from."""
    return any(True for _device in devices_for_user(user, confirmed=True))


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator a staff member is enrolling: made once and kept until
    confirmed, so reloading the page shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(TOTP_DEVICE_NAME), confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm an enrolling authenticator with a code it shows; returns fresh backup codes,
    or None when the code is wrong (or the device was confirmed meanwhile)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(_normalise(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return backup_codes_replace(user=device.user)


@transaction.atomic
def backup_codes_replace(*, user: User, codes: list[str] | None = None) -> list[str]:
    """Replace the user's backup codes with new random ones (or `codes`, for the demo); each works once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=str(BACKUP_DEVICE_NAME), defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = codes or [StaticToken.random_token() for _n in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_verify(*, user: User, code: str) -> Device | None:
    """The confirmed device that accepts `code`, or None. Six digits are tried on the user's
    authenticators, anything else on their backup codes (a used backup code is gone)."""
    code = _normalise(code)
    if not code:
        return None
    model = TOTPDevice if code.isdigit() and len(code) == TOTP_DIGITS else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True).order_by("pk"):
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def second_factor_allowed(*, request, user: User) -> bool:
    """False while django-axes has this address and IP locked out (wrong passwords or codes)."""
    return AxesProxyHandler.is_allowed(request, _credentials(user))


def second_factor_failed(*, request, user: User) -> None:
    """Count a wrong code as a failed login (django-axes listens to this signal)."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)


def _credentials(user: User) -> dict:
    return {"username": user.get_username()}


def _normalise(code: str) -> str:
    # People type codes with spaces ("123 456") or copy backup codes in capitals.
    return "".join(str(code or "").split()).replace("-", "").lower()
