import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from consent.accounts.models import Subject
from consent.db import RefuseTruncate

# --- the disclosure register and erasure records (issue 12, part B) ---------------------------


class ThirdParty(models.Model):
    """Someone outside the company who receives personal data: a vendor processing it under
    agreement, a business partner, a public authority, an acquirer. The register says where
    (country, address), because people may ask where their data went (1798.83, R7)."""

    class Kind(models.TextChoices):
        VENDOR = "vendor", _("Vendor (processes data under agreement)")
        PARTNER = "partner", _("Business partner")
        AUTHORITY = "authority", _("Public authority")
        ACQUIRER = "acquirer", _("Acquirer")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    country = CountryField(_("country"))
    address = models.TextField(_("postal address"), max_length=1000)
    agreement_reference = models.CharField(_("agreement reference"), max_length=100, blank=True)
    agreement_date = models.DateField(_("agreement date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("third party")
        verbose_name_plural = _("third parties")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["vendor", "partner", "authority", "acquirer"]),
                name="requests_app_thirdparty_kind_valid",
            ),
            models.UniqueConstraint(fields=["name", "country"], name="requests_app_thirdparty_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})" if self.country else self.name


class DataCategory(models.TextChoices):
    """Categories of personal information, as a disclosure lists them and 1798.83 names them."""

    NAME = "name", _("Name")
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    POSTAL_ADDRESS = "postal_address", _("Postal address")
    OCCUPATION = "occupation", _("Occupation")
    DEMOGRAPHICS = "demographics", _("Country and language")
    PREFERENCES = "preferences", _("Marketing preferences")
    ACCOUNT = "account", _("Account and usage data")


class Disclosure(models.Model):
    """One handing-over of personal data to a third party: to whom, on what basis, which
    categories, about whom, when. Recorded only through
    `requests_app.disclosures.disclosure_save`, which refuses partner marketing for anyone
    without a current grant of `marketing_third_party`."""

    class Basis(models.TextChoices):
        LEGAL_PROCESS = "legal_process", _("Legal process")
        PROCESSING_AGREEMENT = "processing_agreement", _("Processing under agreement")
        PARTNER_MARKETING = "partner_marketing", _("Partner marketing with consent")
        SALE_OF_BUSINESS = "sale_of_business", _("Sale of business")

    third_party = models.ForeignKey(
        ThirdParty, verbose_name=_("third party"), on_delete=models.PROTECT, related_name="disclosures", db_index=False
    )
    basis = models.CharField(_("basis"), max_length=32, choices=Basis.choices)
    data_categories = ArrayField(
        models.CharField(max_length=32, choices=DataCategory.choices), verbose_name=_("data categories")
    )
    # Pseudonymous ids: erasing a person keeps the fact that their data was disclosed.
    subjects = models.ManyToManyField(
        Subject, verbose_name=_("people concerned"), related_name="disclosures", blank=True
    )
    disclosed_at = models.DateTimeField(_("disclosed at"))
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("A court order, a file name, a ticket number.")
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.CharField(_("recorded by"), max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    basis__in=["legal_process", "processing_agreement", "partner_marketing", "sale_of_business"]
                ),
                name="requests_app_disclosure_basis_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    data_categories__contained_by=[
                        "name",
                        "email",
                        "phone",
                        "postal_address",
                        "occupation",
                        "demographics",
                        "preferences",
                        "account",
                    ]
                ),
                name="requests_app_disclosure_categories_valid",
            ),
        ]
        indexes = [
            # A third party's disclosures over time (the admin), and the 1798.83 answer's year.
            models.Index(fields=["third_party", "disclosed_at"], name="requests_app_disclosure_party"),
            models.Index(fields=["basis", "disclosed_at"], name="requests_app_disclosure_basis"),
        ]

    def __str__(self) -> str:
        return f"{self.third_party} {self.disclosed_at:%Y-%m-%d} ({self.get_basis_display()})"


class ErasureRecord(models.Model):
    """What one erasure removed and what it kept, and why: counts and table names, never the
    person's data (the pseudonymous subject id is the only link). Append-only."""

    class Notice(models.TextChoices):
        SENT = "sent", _("Sent before the address was removed")
        FAILED = "failed", _("Refused by the mail server; erased anyway")
        NO_ADDRESS = "no_address", _("No address known")

    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now, editable=False)
    actor = models.CharField(_("erased by"), max_length=100)
    reason = models.TextField(_("reason"), max_length=2000)
    notice = models.CharField(_("notice to the person"), max_length=16, choices=Notice.choices)
    notice_email_id = models.BigIntegerField(_("notice email"), null=True, blank=True)
    removed = models.JSONField(_("removed"), default=dict, help_text=_("Rows removed or blanked, per kind."))
    kept = models.JSONField(_("kept"), default=list, help_text=_("What was kept, how much, and why."))

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        constraints = [
            models.UniqueConstraint(fields=["subject"], name="requests_app_erasurerecord_subject_unique"),
            models.CheckConstraint(
                condition=models.Q(notice__in=["sent", "failed", "no_address"]),
                name="requests_app_erasurerecord_notice_valid",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="requests_app_erasurerecord_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            RefuseTruncate(name="requests_app_erasurerecord_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.erased_at:%Y-%m-%d %H:%M}"
