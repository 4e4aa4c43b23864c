"""The rules of consent, written once: which channels a purpose takes, and what
decides whether a purpose may use a person's data now."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consent.ledger.models import ConsentEvent, Purpose


class Reason:
    """Why a decision came out as it did; stable values for API clients."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    NOT_GRANTED = "not_granted"  # opt-in purpose, never granted
    OPT_OUT_DEFAULT = "opt_out_default"  # opt-out purpose, never withdrawn
    SUPPRESSED = "suppressed"
    ERASED = "erased"
    NO_POLICY_ACCEPTED = "no_policy_accepted"  # opt-out needs an accepted policy to rely on

    LABELS = {
        GRANTED: gettext_lazy("granted"),
        WITHDRAWN: gettext_lazy("withdrawn"),
        NOT_GRANTED: gettext_lazy("never granted (opt-in)"),
        OPT_OUT_DEFAULT: gettext_lazy("not objected to (opt-out)"),
        SUPPRESSED: gettext_lazy("on a do-not-contact list"),
        ERASED: gettext_lazy("data erased"),
        NO_POLICY_ACCEPTED: gettext_lazy("no accepted privacy policy"),
    }


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


def decide(
    *, purpose: Purpose, explicit: str | None, suppressed: bool, erased: bool, policy_accepted: bool
) -> tuple[bool, str]:
    """May the purpose use this person's data (on the channel the facts were read for)?"""
    if erased:
        return False, Reason.ERASED
    if suppressed and purpose.contacts_people:
        return False, Reason.SUPPRESSED
    if explicit == ConsentEvent.Decision.GRANTED:
        return True, Reason.GRANTED
    if explicit == ConsentEvent.Decision.WITHDRAWN:
        return False, Reason.WITHDRAWN
    if purpose.kind == Purpose.Kind.OPT_IN:
        return False, Reason.NOT_GRANTED
    if not policy_accepted:
        return False, Reason.NO_POLICY_ACCEPTED
    return True, Reason.OPT_OUT_DEFAULT
