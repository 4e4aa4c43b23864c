from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.accounts.models import Subject


class OutboundEmail(models.Model):
    """One email, written in the same transaction as the change that causes it.

    A Celery task sends it after the commit; a periodic sweep sends what the broker
    lost. The row is rendered at queue time (subject line, text and HTML in the
    recipient's language), so sending needs nothing but the row. After
    OUTBOX_RETENTION_DAYS the content and the address are blanked: what stays is what
    an operator needs (which template, to which person's subject id, when, the outcome,
    the Message-ID), not a second copy of the person's data."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=8)
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("person (subject)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_address = models.CharField(_("to"), max_length=254, blank=True)
    from_address = models.CharField(_("from"), max_length=254)
    subject_line = models.CharField(_("subject line"), max_length=255, blank=True)
    body_text = models.TextField(_("plain text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True, editable=False)
    # NULL, not "": unique only where a caller gave one.
    dedupe_key = models.CharField(  # noqa: DJ001
        _("deduplication key"), max_length=200, null=True, blank=True, editable=False
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    redacted_at = models.DateTimeField(_("content removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        permissions = [("requeue_outboundemail", _("Can re-queue an outbound email"))]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="notifications_outboundemail_dedupe_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sent", "failed"]),
                name="notifications_outboundemail_status_valid",
            ),
        ]
        indexes = [
            # The sweep: what is due, oldest first. Only queued rows are in it, so it stays small.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="notifications_outbox_due",
            ),
            # The admin's status filter, newest first.
            models.Index(fields=["status", "-id"], name="notifications_outbox_status"),
            # Retention: finished rows whose content is still there.
            models.Index(
                fields=["created_at"],
                condition=models.Q(redacted_at__isnull=True) & ~models.Q(status="queued"),
                name="notifications_outbox_retain",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.template} ({self.get_status_display()})"
