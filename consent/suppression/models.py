from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.ledger.models import Channel, Purpose


class SuppressionEntry(models.Model):
    """A do-not-contact entry, kept as the identity digest, never the address.

    An empty purpose means every contact purpose; an empty channel every channel.
    Erasing a person keeps their entries, so erasure never puts anyone back on a list."""

    class Reason(models.TextChoices):
        UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
        REPRESENTATIVE = "representative", _("Customer representative")
        BOUNCE = "bounce", _("Bounce")
        COMPLAINT = "complaint", _("Complaint")
        IMPORT = "import", _("Imported list")
        ERASURE = "erasure", _("Erasure")
        LEGAL = "legal", _("Legal obligation")

    identifier_digest = models.BinaryField(_("identifier digest"), max_length=32)
    purpose = models.CharField(
        _("purpose"),
        max_length=32,
        choices=Purpose.Code.choices,
        null=True,
        blank=True,
        help_text=_("Empty: every contact purpose."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=Channel.choices,
        null=True,
        blank=True,
        help_text=_("Empty: every channel."),
    )
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Where the entry came from."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.CharField(_("created by"), max_length=100, blank=True, editable=False)
    # A database default too: bulk SQL that predates the column (and other apps' SQL) need not name it.
    note = models.TextField(
        _("note"), blank=True, default="", db_default="", help_text=_("Why, in the words of whoever added it.")
    )

    class Meta:
        verbose_name = _("suppression entry")
        verbose_name_plural = _("suppression entries")
        permissions = [("scrub_list", _("Can scrub campaign lists against suppression and consent"))]
        constraints = [
            # Digest first: one B-tree serves both the merge's conflict check (an import's digests,
            # sorted, fill its pages in order) and the lookups by digest, which read the scope from
            # the index alone. A hash index beside it cost every import a random page per address.
            models.UniqueConstraint(
                fields=["identifier_digest", "purpose", "channel"],
                nulls_distinct=False,
                name="suppression_suppressionentry_digest_scope_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    reason__in=[
                        "unsubscribe_link",
                        "representative",
                        "bounce",
                        "complaint",
                        "import",
                        "erasure",
                        "legal",
                    ]
                ),
                name="suppression_suppressionentry_reason_valid",
            ),
        ]
        indexes = [
            # The back office's dashboard counts recent entries by reason: an index-only range scan.
            models.Index(fields=["created_at"], include=["reason"], name="suppression_entry_created"),
        ]

    def __str__(self) -> str:
        scope = " / ".join(filter(None, [self.purpose, self.channel])) or "all marketing"
        return f"{bytes(self.identifier_digest).hex()[:12]}… ({scope})"


def _import_upload_to(instance, filename: str) -> str:
    # The stored name is the file's own hash: no uploader-chosen path, one file per content.
    return f"suppression-imports/{instance.sha256}.csv"


def _import_report_to(instance, filename: str) -> str:
    return f"suppression-imports/{instance.sha256}-rejected.csv"


class SuppressionImport(models.Model):
    """One uploaded list of addresses to suppress, imported by a Celery task.

    The file's SHA-256 is unique: uploading the same bytes again finds this row instead
    of importing twice. Counts add up: rows_read = added + already_present + rejected."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Refused")

    class Column(models.TextChoices):
        EMAIL = "email", _("Email addresses")
        PHONE = "phone", _("Phone numbers")
        SHA256 = "sha256", _("SHA-256 hashes of lower-cased addresses")

    file = models.FileField(_("file"), upload_to=_import_upload_to, max_length=200)
    file_name = models.CharField(_("file name"), max_length=255, help_text=_("As uploaded."))
    file_size = models.BigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    # What to suppress, for every line of the file.
    purpose = models.CharField(
        _("purpose"), max_length=32, choices=Purpose.Code.choices, null=True, blank=True,
        help_text=_("Empty: every contact purpose."),
    )  # fmt: skip
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=Channel.choices,
        null=True,
        blank=True,
        help_text=_("Empty: every channel."),
    )
    reason = models.CharField(
        _("reason"), max_length=32, choices=SuppressionEntry.Reason.choices, default=SuppressionEntry.Reason.IMPORT
    )
    # How to read it: the column the uploader named (blank: found from the header or the data).
    column_name = models.CharField(
        _("address column"), max_length=200, blank=True,
        help_text=_("The header of the column that holds the addresses; blank to find it automatically."),
    )  # fmt: skip
    phone_region = models.CharField(
        _("phone region"), max_length=2, blank=True,
        help_text=_("Two-letter country code for phone numbers written without +country code."),
    )  # fmt: skip
    # What the import found and did.
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message"), blank=True)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=8, blank=True)
    column_used = models.CharField(_("column used"), max_length=200, blank=True)
    column_kind = models.CharField(_("column holds"), max_length=8, choices=Column.choices, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_read = models.BigIntegerField(_("rows read"), default=0)
    added = models.BigIntegerField(_("added"), default=0)
    already_present = models.BigIntegerField(_("already present"), default=0)
    rejected = models.BigIntegerField(_("rejected"), default=0)
    withdrawals = models.BigIntegerField(
        _("withdrawals recorded"), default=0, help_text=_("Events written in the ledgers of known people.")
    )
    report = models.FileField(_("report of rejected lines"), upload_to=_import_report_to, max_length=200, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)
    created_by = models.CharField(_("uploaded by"), max_length=100, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("suppression import")
        verbose_name_plural = _("suppression imports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], name="suppression_suppressionimport_sha256_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "running", "done", "failed"]),
                name="suppression_suppressionimport_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="suppression_suppressionimport_progress_valid"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="suppression_import_created")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
