from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.policies.models import PolicyVersion


class NoticeRun(models.Model):
    """The emails announcing one material policy version to every registered user.

    The users who existed when the run started are cut into batches of consecutive ids
    (NoticeBatch); each batch is queued to the outbox in one transaction, with a
    deduplication key per (version, user), so a batch cut short by a crash is queued
    again in full and a user is never emailed twice."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Queuing")
        QUEUED = "queued", _("Every email queued")

    version = models.OneToOneField(
        PolicyVersion, verbose_name=_("policy version"), on_delete=models.PROTECT, related_name="notice_run"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    total_users = models.PositiveIntegerField(_("users to notify"), default=0)
    batch_count = models.PositiveIntegerField(_("batches"), default=0)
    queued_count = models.PositiveIntegerField(_("emails queued"), default=0)
    sent_count = models.PositiveIntegerField(_("emails sent"), default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, editable=False)
    queued_at = models.DateTimeField(_("every email queued at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("every email sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy notice run")
        verbose_name_plural = _("policy notice runs")
        ordering = ["-started_at"]
        permissions = [("run_noticerun", _("Can start or resume a policy notice run"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "queued"]), name="notices_noticerun_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} notice"


class NoticeBatch(models.Model):
    """Users first_user_id..last_user_id (inclusive) of a run; done once their emails are queued."""

    run = models.ForeignKey(NoticeRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="batches")
    first_user_id = models.BigIntegerField(_("first user id"))
    last_user_id = models.BigIntegerField(_("last user id"))
    queued_count = models.PositiveIntegerField(_("emails queued"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy notice batch")
        verbose_name_plural = _("policy notice batches")
        constraints = [
            models.UniqueConstraint(fields=["run", "first_user_id"], name="notices_noticebatch_start_unique"),
        ]
        indexes = [
            # Resuming a run: its batches not done yet.
            models.Index(fields=["run"], condition=models.Q(done_at__isnull=True), name="notices_noticebatch_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.run} users {self.first_user_id}-{self.last_user_id}"
