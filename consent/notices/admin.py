from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.notices.models import NoticeRun
from consent.notices.runs import notice_run_refresh
from consent.notices.services import notice_run_start


@admin.register(NoticeRun)
class NoticeRunAdmin(admin.ModelAdmin):
    """Read-only: a run is started by publishing a material version (or send_policy_notice)."""

    list_display = ("version", "status", "progress", "total_users", "queued_count", "sent_count", "started_at")
    list_filter = ("status",)
    list_select_related = ("version__document",)
    list_per_page = 50
    actions = ["resume_selected"]
    fields = (
        "version", "status", "progress", "total_users", "batch_count", "batches_done",
        "queued_count", "sent_count", "started_at", "queued_at", "finished_at",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_run_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("notices.run_noticerun")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_object(self, request, object_id, from_field=None):
        # The sent count lives in the outbox: bring it up to date when a run is looked at.
        run = super().get_object(request, object_id, from_field)
        return notice_run_refresh(run=run) if run is not None else None

    @admin.display(description=_("progress"))
    def progress(self, obj: NoticeRun) -> str:
        if not obj.total_users:
            return "-"
        queued = 100 * obj.queued_count // obj.total_users
        sent = 100 * obj.sent_count // obj.total_users
        return format_html(
            '<progress max="100" value="{}"></progress> {}',
            sent,
            gettext("%(queued)d%% queued, %(sent)d%% sent") % {"queued": queued, "sent": sent},
        )

    @admin.display(description=_("batches done"))
    def batches_done(self, obj: NoticeRun) -> int:
        return obj.batches.filter(done_at__isnull=False).count()

    @admin.action(description=_("Resume the selected runs"), permissions=["run"])
    def resume_selected(self, request, queryset):
        for run in queryset.select_related("version"):
            try:
                notice_run_start(version=run.version)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        self.message_user(request, gettext("The runs' remaining batches are queued."), messages.SUCCESS)
