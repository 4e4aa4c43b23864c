"""The ledger's own rule: which channels a purpose takes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from consent.ledger.models import Purpose


def channel_validate(*, purpose: Purpose, channel: str | None, required: bool = False) -> None:
    if channel is None:
        if required and purpose.channels:
            raise ValidationError(
                {
                    "channel": _("The purpose %(purpose)s needs a channel: one of %(channels)s.")
                    % {"purpose": purpose.code, "channels": ", ".join(purpose.channels)}
                }
            )
        return
    if channel in purpose.channels:
        return
    if purpose.channels:
        message = _("The purpose %(purpose)s can use only these channels: %(channels)s.") % {
            "purpose": purpose.code,
            "channels": ", ".join(purpose.channels),
        }
    else:
        message = _("The purpose %(purpose)s contacts no one, so it takes no channel.") % {"purpose": purpose.code}
    raise ValidationError({"channel": message})
