import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import HashIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.accounts.models import Subject
from consent.db import OWNER_ROLE_SQL, RefuseTruncate
from consent.policies.models import PolicyVersion


class EvidenceEraseOnly(pgtrigger.Trigger):
    """Evidence rows are deleted only by `ledger_evidence_erase(subject)`, the SECURITY DEFINER
    function of migration 0008, which runs as the table's owner and flags its own
    transaction. Both are needed: the application's role may set any setting it likes, but
    it is not the owner; and the owner's own ad-hoc DELETE is refused too."""

    when = pgtrigger.Before
    operation = pgtrigger.Delete
    level = pgtrigger.Row
    func = f"""
        IF current_setting('consent.evidence_erase', true) = 'on' AND {OWNER_ROLE_SQL} THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'Consent evidence is deleted only by ledger_evidence_erase() (table %).', TG_TABLE_NAME;
    """


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    POSTAL = "postal", _("Postal mail")


class Purpose(models.Model):
    """What personal data may be used for. Seeded by a data migration; codes are stable."""

    class Code(models.TextChoices):
        PRIMARY_USE = "primary_use", _("Delivering the service")
        MARKETING_OWN = "marketing_own", _("Our own marketing")
        MARKETING_THIRD_PARTY = "marketing_third_party", _("Partners' marketing")
        RESEARCH = "research", _("Market research and surveys")
        TRANSFER_ABROAD = "transfer_abroad", _("Transfer of data abroad")
        TRANSFER_IN_SALE = "transfer_in_sale", _("Transfer in a sale or merger")
        COOKIES_ANALYTICS = "cookies_analytics", _("Analytics cookies")
        COOKIES_PERSONALISATION = "cookies_personalisation", _("Personalisation cookies")
        COOKIES_ADVERTISING = "cookies_advertising", _("Advertising cookies")

    class Kind(models.TextChoices):
        # Opt-in: nothing until the person says yes. Opt-out: allowed until they say no.
        OPT_IN = "opt_in", _("Opt-in")
        OPT_OUT = "opt_out", _("Opt-out")

    class LawfulBasis(models.TextChoices):
        CONTRACT = "contract", _("Performance of a contract")
        CONSENT = "consent", _("Consent")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")

    # The code is the key: events read "marketing_own", not a number, in SQL and exports.
    code = models.CharField(_("code"), max_length=32, choices=Code.choices, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    lawful_basis = models.CharField(_("lawful basis"), max_length=32, choices=LawfulBasis.choices)
    withdrawable = models.BooleanField(
        _("withdrawable"), default=True, help_text=_("Primary use ends only by closing the account.")
    )
    channels = ArrayField(
        models.CharField(max_length=16, choices=Channel.choices),
        verbose_name=_("channels"),
        default=list,
        blank=True,
        help_text=_("The ways this purpose contacts people; empty for purposes that contact no one."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["opt_in", "opt_out"]), name="ledger_purpose_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channels__contained_by=["email", "phone", "postal"]),
                name="ledger_purpose_channels_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def contacts_people(self) -> bool:
        return bool(self.channels)


class ConsentEvent(models.Model):
    """One grant or withdrawal. Append-only: the database refuses UPDATE and DELETE.

    Each subject's events form a hash chain (`prev_hash` -> `hash`), so any edit made
    with the triggers disabled shows up in `manage.py verify_ledger`."""

    class Decision(models.TextChoices):
        GRANTED = "granted", _("Granted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        PORTAL = "portal", _("Self-service portal")
        REPRESENTATIVE = "representative", _("Customer representative")
        UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
        IMPORT = "import", _("Import")
        API = "api", _("API")
        GPC = "gpc", _("Global Privacy Control signal")
        POLICY_UPDATE = "policy_update", _("Policy update")
        ERASURE = "erasure", _("Erasure")

    class ActorType(models.TextChoices):
        SUBJECT = "subject", _("The person themselves")
        STAFF = "staff", _("Staff member")
        API_KEY = "api_key", _("API key")
        SYSTEM = "system", _("System")

    GENESIS_HASH = "0" * 64

    # Indexed by ledger_consentevent_chain (subject, id); a second index would only slow writes.
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="consent_events", db_index=False
    )
    purpose = models.ForeignKey(
        Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, null=True, blank=True)  # noqa: DJ001 - NULL = every channel
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    # Who acted, as a label rather than a foreign key: erasing a user must not touch events.
    actor_type = models.CharField(_("actor type"), max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(_("actor"), max_length=64, blank=True)
    # Indexed by ledger_consentevent_cites, only where set.
    policy_version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("policy version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, editable=False)
    evidence_digest = models.CharField(_("evidence digest"), max_length=64, blank=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)
    idempotency_key = models.CharField(  # noqa: DJ001 - NULL: unique only where given
        _("idempotency key"), max_length=200, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [
            # The chain order, history and as-of all read one subject's events through this
            # index (a person has tens of events, not millions). Few indexes keep writes fast.
            # The hash rides along so each append reads its chain's head from the index alone,
            # not from a heap page of its own (migration 0016).
            models.Index(fields=["subject", "id"], include=["hash"], name="ledger_consentevent_chain"),
            # The back office's weekly figures read a date range; the decision rides along so
            # the count is an index-only scan.
            models.Index(fields=["occurred_at"], include=["decision"], name="ledger_consentevent_occurred"),
            # Read only to find the events citing a policy version (deleting one: PROTECT and
            # the foreign key's check): most events cite none, and need no entry.
            models.Index(
                fields=["policy_version"],
                condition=models.Q(policy_version__isnull=False),
                name="ledger_consentevent_cites",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="ledger_consentevent_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=["granted", "withdrawn"]), name="ledger_consentevent_decision_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    source__in=[
                        "registration",
                        "portal",
                        "representative",
                        "unsubscribe_link",
                        "import",
                        "api",
                        "gpc",
                        "policy_update",
                        "erasure",
                    ]
                ),
                name="ledger_consentevent_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(actor_type__in=["subject", "staff", "api_key", "system"]),
                name="ledger_consentevent_actor_type_valid",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="ledger_consentevent_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            RefuseTruncate(name="ledger_consentevent_no_truncate"),
        ]

    def __str__(self) -> str:
        channel = f"/{self.channel}" if self.channel else ""
        return f"#{self.pk} {self.purpose_id}{channel} {self.decision}"


class ConsentEvidence(models.Model):
    """What proves an event: kept apart so erasure can delete it without breaking the chain
    (the event keeps only `evidence_digest`). Only `ledger_evidence_erase()` deletes rows,
    for a person already erased, and it records each deletion in EvidenceErasure."""

    event = models.OneToOneField(
        ConsentEvent, verbose_name=_("event"), primary_key=True, on_delete=models.PROTECT, related_name="evidence"
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    text_hash = models.CharField(_("hash of the text shown"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("consent evidence")
        verbose_name_plural = _("consent evidence")
        triggers = [
            pgtrigger.Protect(name="ledger_consentevidence_immutable", operation=pgtrigger.Update),
            RefuseTruncate(name="ledger_consentevidence_no_truncate"),
            EvidenceEraseOnly(name="ledger_consentevidence_erasure_only"),
        ]

    def __str__(self) -> str:
        return f"evidence of #{self.event_id}"


class ConsentState(models.Model):
    """The latest decision per (subject, purpose, channel), written in the same
    statement as its event, together with its copy in CurrentChoices. Its pages are
    filled to 80 % (migration 0015), so an update stays a HOT update on its page."""

    # Indexed by the unique constraint (subject, purpose, channel).
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="consent_states", db_index=False
    )
    purpose = models.ForeignKey(
        Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, null=True, blank=True)  # noqa: DJ001 - NULL = every channel
    decision = models.CharField(_("decision"), max_length=16, choices=ConsentEvent.Decision.choices)
    event = models.ForeignKey(
        ConsentEvent, verbose_name=_("last event"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("consent state")
        verbose_name_plural = _("consent states")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "purpose", "channel"], nulls_distinct=False, name="ledger_consentstate_unique"
            ),
        ]

    def __str__(self) -> str:
        channel = f"/{self.channel}" if self.channel else ""
        return f"{self.subject_id} {self.purpose_id}{channel}: {self.decision}"

    @staticmethod
    def choice_key(purpose_id: str, channel: str | None) -> str:
        """This row's key in CurrentChoices.choices, the copy the batch check reads."""
        return f"{purpose_id}/{channel}" if channel else purpose_id


class CurrentChoices(models.Model):
    """A person's ConsentState rows as one JSON object, {"purpose[/channel]": [decision,
    event id]}, written in the statement that appends the event. The batch check reads
    a person's every choice from this one row instead of probing ConsentState per purpose.
    Pages filled to 80 %, as ConsentState's."""

    subject = models.OneToOneField(
        Subject, verbose_name=_("subject"), primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    choices = models.JSONField(_("choices"), default=dict)

    class Meta:
        verbose_name = _("current choices")
        verbose_name_plural = _("current choices")
        indexes = [
            # The batch check probes thousands of subject ids at a time: a hash probe reads
            # one bucket page where the primary key's B-tree descends three.
            HashIndex(fields=["subject"], name="ledger_currentchoices_hash"),
        ]

    def __str__(self) -> str:
        return str(self.subject_id)


class EvidenceErasure(models.Model):
    """One run of `ledger_evidence_erase()`: whose evidence it removed, how many rows, when and
    as which database role. Written only by that function, in the same transaction as the
    deletion; the application's role may read it, never write it. `verify_ledger` accepts a
    missing evidence row only for a person erased and named here."""

    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    evidence_rows = models.PositiveIntegerField(_("evidence rows removed"))
    erased_at = models.DateTimeField(_("erased at"), editable=False)
    erased_by = models.CharField(_("database role"), max_length=63, editable=False)

    class Meta:
        verbose_name = _("evidence erasure")
        verbose_name_plural = _("evidence erasures")
        indexes = [models.Index(fields=["subject"], name="ledger_evidenceerasure_subject")]
        triggers = [
            pgtrigger.Protect(name="ledger_evidenceerasure_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            RefuseTruncate(name="ledger_evidenceerasure_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.evidence_rows}"


class LedgerCheckpoint(models.Model):
    """A signed statement of every chain's length and head at one moment, in the spirit of
    Certificate Transparency's signed tree heads: `root` is a hash over the ChainHead rows as
    of this checkpoint, and `signature` an Ed25519 signature (LEDGER_SIGNING_KEY, kept out of
    the database) over the fields below. Exported, it is a small file a privacy officer keeps
    elsewhere; `verify_ledger` compares the tables with it. See consent.ledger.checkpoints."""

    taken_at = models.DateTimeField(_("taken at"), editable=False)
    chains = models.PositiveBigIntegerField(_("chains"), editable=False)
    events = models.PositiveBigIntegerField(_("events"), editable=False)
    last_event_id = models.PositiveBigIntegerField(_("last event"), editable=False)
    root = models.CharField(_("root hash"), max_length=64, editable=False)
    key_id = models.CharField(_("signing key fingerprint"), max_length=64, editable=False)
    signature = models.CharField(_("signature"), max_length=100, editable=False)

    class Meta:
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")
        triggers = [
            pgtrigger.Protect(
                name="ledger_ledgercheckpoint_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            RefuseTruncate(name="ledger_ledgercheckpoint_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.taken_at:%Y-%m-%d %H:%M} UTC"


class ChainHead(models.Model):
    """One chain's length and last event as recorded by a checkpoint. A checkpoint writes a row
    only for the chains that changed since the one before, so the heads as of checkpoint N
    are, per subject, its row of the highest checkpoint <= N; the checkpoint's signed root
    covers exactly those, so an edit of this table is caught like an edit of the events."""

    checkpoint = models.ForeignKey(
        LedgerCheckpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # A record of what was there, not a link to keep valid: no database constraint.
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    length = models.PositiveBigIntegerField(_("events in the chain"))
    head_event_id = models.PositiveBigIntegerField(_("last event"))
    head_hash = models.CharField(_("hash of the last event"), max_length=64)

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")
        indexes = [
            # Heads as of a checkpoint: per subject, the row of the highest checkpoint <= N.
            models.Index(fields=["subject", "-checkpoint"], name="ledger_chainhead_latest"),
        ]
        triggers = [
            pgtrigger.Protect(name="ledger_chainhead_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            RefuseTruncate(name="ledger_chainhead_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.length} events to #{self.head_event_id}"
