from django.contrib.postgres.indexes import HashIndex
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

    class Meta:
        verbose_name = _("suppression entry")
        verbose_name_plural = _("suppression entries")
        constraints = [
            # Scope first: lookups by digest go through the hash index below, and with the
            # digest leading this B-tree would be the planner's pick, at three pages a probe.
            models.UniqueConstraint(
                fields=["purpose", "channel", "identifier_digest"],
                nulls_distinct=False,
                name="suppression_suppressionentry_scope_unique",
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
        indexes = [HashIndex(fields=["identifier_digest"], name="suppression_entry_digest_hash")]

    def __str__(self) -> str:
        scope = " / ".join(filter(None, [self.purpose, self.channel])) or "all marketing"
        return f"{bytes(self.identifier_digest).hex()[:12]}… ({scope})"
