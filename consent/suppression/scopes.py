"""What a suppression scope covers: (purpose or every contact purpose, channel or every channel)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from consent.ledger.models import Channel
from consent.ledger.selectors import purpose_get, purposes_by_code


def scope_validate(*, purpose: str | None, channel: str | None) -> tuple[str | None, str | None]:
    """The scope in canonical form (blank -> None); a 400-able error for one that names
    a purpose that contacts no one, or a channel the purpose does not use."""
    purpose = purpose or None
    channel = channel or None
    if channel is not None and channel not in Channel.values:
        raise ValidationError({"channel": _("Must be one of: %s.") % ", ".join(Channel.values)})
    if purpose is None:
        return None, channel
    purpose_obj = purpose_get(purpose)
    if not purpose_obj.contacts_people:
        raise ValidationError(
            {"purpose": _("The purpose %(purpose)s contacts no one; nothing to suppress.") % {"purpose": purpose}}
        )
    if channel is not None and channel not in purpose_obj.channels:
        raise ValidationError(
            {
                "channel": _("The purpose %(purpose)s can use only these channels: %(channels)s.")
                % {"purpose": purpose, "channels": ", ".join(purpose_obj.channels)}
            }
        )
    return purpose, channel


def scope_choices(*, purpose: str | None, channel: str | None) -> list[tuple[str, str | None]]:
    """The ledger choices (purpose, channel) a suppression of this scope withdraws: the
    contact purposes it covers that a person may withdraw, on its channel (None: all)."""
    if purpose is not None:
        return [(purpose, channel)]
    return [
        (code, channel)
        for code, candidate in purposes_by_code().items()
        if candidate.contacts_people and candidate.withdrawable and (channel is None or channel in candidate.channels)
    ]


def scope_label(*, purpose: str | None, channel: str | None) -> str:
    """In words, for pages and admin messages."""
    purposes = purposes_by_code()
    what = str(purposes[purpose].name) if purpose in purposes else _("all marketing")
    how = Channel(channel).label if channel else _("every channel")
    return f"{what} ({how})"
