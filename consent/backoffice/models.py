from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardFigure(models.Model):
    """One number of the dashboard: a chart's series in one UTC week (its Monday), counted
    from the ledger or the suppression list by `dashboard_figures_refresh`. A count, never a
    person: the dashboard reads these instead of aggregating millions of rows per view."""

    class Chart(models.TextChoices):
        DECISIONS = "decisions", _("Grants and withdrawals")  # series: the decision
        PURPOSE_GRANTED = "purpose_granted", _("People who ended the week with a grant")  # series: purpose
        PURPOSE_CHOSE = "purpose_chose", _("People who made a choice")  # series: purpose
        SUPPRESSION_ADDED = "suppression_added", _("Do-not-contact entries added")  # series: reason

    chart = models.CharField(_("chart"), max_length=32, choices=Chart.choices)
    week = models.DateField(_("week"), help_text=_("The Monday (UTC) the week starts on."))
    series = models.CharField(_("series"), max_length=64)
    value = models.BigIntegerField(_("value"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("dashboard figure")
        verbose_name_plural = _("dashboard figures")
        constraints = [
            # Also the index each chart's read goes through: chart, then a range of weeks.
            models.UniqueConstraint(fields=["chart", "week", "series"], name="backoffice_dashboardfigure_unique"),
            models.CheckConstraint(
                condition=models.Q(chart__in=["decisions", "purpose_granted", "purpose_chose", "suppression_added"]),
                name="backoffice_dashboardfigure_chart_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chart} {self.week} {self.series}: {self.value}"
