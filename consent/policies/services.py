"""Writes for policy documents and their versions.

A version is written as a draft, changed while it is a draft, then published:
publishing fixes its text for good (a database trigger backs the service up)
and retires the version it replaces."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.policies.models import PolicyDocument, PolicyVersion

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
DEFAULT_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
TRANSLATED_FIELDS = ("title", "summary_of_changes", "body")
_PLAIN_FIELDS = ("document", "label", "country", "effective_at", "is_material")

# Sent after the publishing transaction commits, with `version` (the new one) and
# `retired` (the version it replaced, or None). Notices of material changes hang here,
# so this app need not know who sends them.
policy_version_published = Signal()


def policy_content_hash(*, title: str, body: str) -> str:
    """SHA-256 (hex) of the text a reader sees: ``title + "\\n\\n" + body``, UTF-8."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


def policy_content_hashes(*, version: PolicyVersion) -> dict[str, str]:
    """{language: content hash} for every language the version has a body in.

    A language without its own title is shown with the English one, so that is
    the title hashed."""
    hashes = {}
    for code in LANGUAGE_CODES:
        body = getattr(version, f"body_{code}") or ""
        if body.strip():
            title = getattr(version, f"title_{code}") or getattr(version, f"title_{DEFAULT_LANGUAGE}") or ""
            hashes[code] = policy_content_hash(title=title, body=body)
    return hashes


def _translated_columns(field: str, values: dict | None) -> dict[str, str | None]:
    values = values or {}
    unknown = sorted(set(values) - set(LANGUAGE_CODES))
    if unknown:
        raise ValidationError(
            {
                field: _("Unknown language(s): %(unknown)s. Known: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(LANGUAGE_CODES)}
            }
        )
    return {f"{field}_{code}": _text_or_none(values.get(code)) for code in LANGUAGE_CODES}


def _text_or_none(value: str | None) -> str | None:
    # Blank means "not translated": stored as NULL so the English text stands in.
    # Anything else is kept exactly as written: it is the text that gets hashed.
    return value if value and value.strip() else None


def _sync(stale: PolicyVersion, saved: PolicyVersion) -> None:
    # The caller's object reflects what was saved, so it cannot write stale values back.
    if stale is not saved:
        stale.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})


def _validate_and_save(version: PolicyVersion) -> None:
    # The untranslated columns mirror English and are checked at publication.
    version.full_clean(exclude=list(TRANSLATED_FIELDS))
    version.save()


@transaction.atomic
def policy_version_create(
    *,
    document: PolicyDocument,
    label: str,
    effective_at: datetime.datetime,
    title: dict[str, str],
    body: dict[str, str],
    summary_of_changes: dict[str, str],
    country: str = "",
    is_material: bool = False,
) -> PolicyVersion:
    """A new draft. `title`, `body` and `summary_of_changes` are {language code: text}."""
    version = PolicyVersion(
        document=document,
        label=label,
        country=(country or "").upper(),
        effective_at=effective_at,
        is_material=is_material,
        status=PolicyVersion.Status.DRAFT,
        **_translated_columns("title", title),
        **_translated_columns("body", body),
        **_translated_columns("summary_of_changes", summary_of_changes),
    )
    _validate_and_save(version)
    return version


@transaction.atomic
def policy_version_update(*, version: PolicyVersion, **fields) -> PolicyVersion:
    """Change a draft. Accepts document, label, country, effective_at, is_material;
    the translated fields either as a {language: text} dict (``body={"sv": ...}``,
    which replaces only the languages given) or per column (``body_sv=...``).

    Anything but a draft is refused: a published text never changes."""
    current = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if current.status != PolicyVersion.Status.DRAFT:
        raise ValidationError(
            # Translators: status is "published" or "retired", lower case.
            _("Version %(label)s is %(status)s and can no longer be changed; write a new version instead.")
            % {"label": current.label, "status": current.get_status_display().lower()}
        )
    columns = {f"{field}_{code}" for field in TRANSLATED_FIELDS for code in LANGUAGE_CODES}
    changes: dict = {}
    for name, value in fields.items():
        if name in TRANSLATED_FIELDS:
            given = _translated_columns(name, value)
            changes.update({column: given[column] for column in (f"{name}_{code}" for code in value)})
        elif name in columns:
            changes[name] = _text_or_none(value)
        elif name in _PLAIN_FIELDS:
            changes[name] = str(value or "").upper() if name == "country" else value
        else:
            raise ValidationError(_("%(field)s cannot be changed here.") % {"field": name})
    for name, value in changes.items():
        setattr(current, name, value)
    _validate_and_save(current)
    _sync(version, current)
    return current


@transaction.atomic
def policy_version_publish(
    *, version: PolicyVersion, actor=None, published_at: datetime.datetime | None = None
) -> PolicyVersion:
    """Put a draft in force for its document and country; the version it replaces is retired.

    `published_at` records a publication that happened earlier (loading a policy's
    history, the demo): never in the future, and not before the publication of the
    version it replaces, which is retired at that same moment.

    Sets ``content_hashes`` to {language: SHA-256 hex of ``title + "\\n\\n" + body``}
    (UTF-8; the English title where a language has none) for each language that has
    a body: the hash of the exact text a reader is shown, which consent evidence
    records. The document row is locked first, so two publications of the same
    document run one after the other."""
    PolicyDocument.objects.select_for_update().get(pk=version.document_id)
    draft = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if draft.status != PolicyVersion.Status.DRAFT:
        raise ValidationError(
            _("Version %(label)s is already %(status)s; only a draft can be published.")
            % {"label": draft.label, "status": draft.get_status_display().lower()}
        )
    missing = [
        str(PolicyVersion._meta.get_field(field).verbose_name)
        for field in ("title", "body")
        if not (getattr(draft, f"{field}_{DEFAULT_LANGUAGE}") or "").strip()
    ]
    if missing:
        raise ValidationError(
            _("Version %(label)s cannot be published without its English text: %(fields)s.")
            % {"label": draft.label, "fields": ", ".join(missing)}
        )
    previous = (
        PolicyVersion.objects.select_for_update()
        .filter(document_id=draft.document_id, country=draft.country, status=PolicyVersion.Status.PUBLISHED)
        .first()
    )
    if previous is not None and draft.effective_at < previous.effective_at:
        raise ValidationError(
            _("Version %(label)s takes effect before version %(current)s, which is in force; it cannot replace it.")
            % {"label": draft.label, "current": previous.label}
        )

    now = timezone.now()
    if published_at is not None:
        if published_at > now:
            raise ValidationError({"published_at": _("A publication date cannot be in the future.")})
        if previous is not None and published_at < previous.published_at:
            raise ValidationError(
                {
                    "published_at": _("Version %(current)s, which this one replaces, was published later than that.")
                    % {"current": previous.label}
                }
            )
        now = published_at
    if previous is not None:
        # Retire first: only one version per document and country may be published.
        previous.status = PolicyVersion.Status.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at"])

    draft.content_hashes = policy_content_hashes(version=draft)
    draft.status = PolicyVersion.Status.PUBLISHED
    draft.published_at = now
    draft.published_by = actor if getattr(actor, "is_authenticated", False) else None
    draft.save(update_fields=["content_hashes", "status", "published_at", "published_by"])
    _sync(version, draft)

    transaction.on_commit(lambda: policy_version_published.send(sender=PolicyVersion, version=draft, retired=previous))
    return draft


def policy_version_hold(*, version: PolicyVersion) -> PolicyVersion:
    """Lock `version` FOR SHARE until the caller's transaction ends and return it as it is
    now: a publication that would retire it waits, so a consent recorded meanwhile cites a
    version that is still in force when it commits. Many holders do not wait for each other."""
    return PolicyVersion.objects.raw("SELECT * FROM policies_policyversion WHERE id = %s FOR SHARE", [version.pk])[0]
