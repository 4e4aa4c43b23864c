"""Reading for the cookie banner: its texts in a language, a visitor's current choices."""

import hashlib
import json
import uuid
from dataclasses import dataclass

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from consent.accounts.models import Subject
from consent.db import prepared_cursor
from consent.ledger.models import ConsentEvent, ConsentState, Purpose
from consent.ledger.selectors import purposes_by_code
from consent.policies.selectors import LANGUAGE_CODES

# The banner's categories and the ledger purpose each is recorded as; "necessary" is always
# on, shown but never recorded.
CATEGORIES = {
    "analytics": Purpose.Code.COOKIES_ANALYTICS,
    "personalisation": Purpose.Code.COOKIES_PERSONALISATION,
    "advertising": Purpose.Code.COOKIES_ADVERTISING,
}
GPC_CATEGORY = "advertising"
# An anonymous visitor's Subject carries this external id prefix (and no email, no user).
ANONYMOUS_PREFIX = "banner-visitor:"


def banner_language(requested: str | None) -> str | None:
    """en, sv or fr from a language tag such as sv-SE; None when it names none of them."""
    primary = (requested or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGE_CODES else None


def _texts() -> dict:
    return {
        # Translators: heading of the cookie banner shown on every site of the company.
        "title": _("Cookies on this site"),
        "body": _(
            "We use cookies that the site needs to work. With your permission we also use cookies "
            "to measure visits, to remember your preferences and to show you our ads on other sites. "
            "You can change your mind at any time."
        ),
        "accept_all": _("Accept all"),
        "reject_all": _("Reject all"),
        "choose": _("Choose"),
        "save": _("Save my choices"),
        "policy_link": _("Read the cookie notice"),
        "necessary_note": _("Always on"),
        "gpc_honoured": _(
            "Your browser sent a Global Privacy Control signal: we honoured it, and advertising cookies stay off."
        ),
        "categories_legend": _("Cookie categories"),
    }


def banner_config(*, language: str, base_url: str) -> dict:
    """Everything the script shows, in `language` (en, sv or fr), with a hash of the texts
    that a recorded choice cites as the text shown."""
    with translation.override(language):
        purposes = purposes_by_code()
        categories = [
            {
                "key": "necessary",
                "purpose": None,
                "required": True,
                "name": _("Strictly necessary cookies"),
                "description": _(
                    "Keep you signed in, protect forms and remember this choice. The site cannot work without them."
                ),
            }
        ]
        for key, code in CATEGORIES.items():
            purpose = purposes[code]
            categories.append(
                {
                    "key": key,
                    "purpose": code,
                    "required": False,
                    "name": purpose.name,
                    "description": purpose.description,
                }
            )
        texts = _texts()
        policy_url = base_url + reverse("policies:cookie-notice")
    shown = {"language": language, "texts": texts, "categories": categories}
    text_hash = hashlib.sha256(
        json.dumps(shown, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    return {**shown, "policy_url": policy_url, "text_hash": text_hash}


def banner_subject_get(subject_id: uuid.UUID | None) -> Subject | None:
    """The visitor's Subject, unless it is gone or erased (then the visitor starts afresh)."""
    if subject_id is None:
        return None
    return Subject.objects.filter(pk=subject_id, erased_at__isnull=True).first()


def banner_subject_is_anonymous(subject: Subject) -> bool:
    return (
        subject.user_id is None
        and subject.email_digest is None
        and (subject.external_id or "").startswith(ANONYMOUS_PREFIX)
    )


@dataclass(frozen=True)
class BannerChoices:
    # {"analytics": True/False, ...}; None where the visitor has not chosen.
    choices: dict
    # Advertising was last withdrawn by a Global Privacy Control signal.
    advertising_by_gpc: bool

    @property
    def decided(self) -> bool:
        return all(value is not None for value in self.choices.values())


# One round trip, two index probes: the visitor's Subject (gone or erased: no row) and its
# CurrentChoices row (every choice in one row, as the batch check reads it); a third only
# when advertising is withdrawn, for the source of that event (a GPC signal or a click).
_CHOICES_SQL = """
SELECT cc.choices -> %(analytics)s ->> 0, cc.choices -> %(personalisation)s ->> 0, cc.choices -> %(advertising)s ->> 0,
       CASE WHEN cc.choices -> %(advertising)s ->> 0 = 'withdrawn' THEN
            (SELECT e.source FROM ledger_consentevent e WHERE e.id = (cc.choices -> %(advertising)s ->> 1)::bigint)
       END
  FROM accounts_subject s
  LEFT JOIN ledger_currentchoices cc ON cc.subject_id = s.id
 WHERE s.id = %(subject)s AND s.erased_at IS NULL
"""
_CHOICE_KEYS = {key: ConsentState.choice_key(code, None) for key, code in CATEGORIES.items()}


def banner_choices(*, subject_id: uuid.UUID | None) -> BannerChoices | None:
    """The visitor's choices; None when there is no such Subject (or it was erased)."""
    if subject_id is None:
        return None
    with prepared_cursor() as cursor:
        cursor.execute(_CHOICES_SQL, {"subject": subject_id, **_CHOICE_KEYS})
        row = cursor.fetchone()
    if row is None:
        return None
    *decisions, advertising_source = row
    choices = {
        key: None if decision is None else decision == ConsentEvent.Decision.GRANTED
        for key, decision in zip(CATEGORIES, decisions, strict=True)
    }
    return BannerChoices(choices, advertising_source == ConsentEvent.Source.GPC)


NO_CHOICES = BannerChoices(dict.fromkeys(CATEGORIES), False)
