import pgtrigger
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

# Translated by modeltranslation (consent/policies/translation.py): one column per language.
TRANSLATED_TEXT_COLUMNS = [
    f"{field}_{code}" for field in ("title", "body", "summary_of_changes") for code, _name in settings.LANGUAGES
]


class PolicyDocument(models.Model):
    """A document the company publishes in versions: the privacy policy, the cookie notice."""

    class Kind(models.TextChoices):
        PRIVACY_POLICY = "privacy_policy", _("Privacy policy")
        COOKIE_NOTICE = "cookie_notice", _("Cookie notice")

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["privacy_policy", "cookie_notice"]),
                name="policies_policydocument_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PolicyVersion(models.Model):
    """One numbered version of a document, optionally for one country.

    Drafts may change; a published or retired version never does (the service
    refuses, the admin shows it read-only, and a database trigger refuses)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    document = models.ForeignKey(
        PolicyDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="versions"
    )
    label = models.CharField(_("version"), max_length=20, help_text=_("e.g. 2.0"))
    country = CountryField(
        _("country"), blank=True, help_text=_("Leave empty for the version that applies everywhere.")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    effective_at = models.DateTimeField(_("effective from"))
    is_material = models.BooleanField(
        _("material change"),
        default=False,
        help_text=_("Material changes are announced to every registered user, who must accept them again."),
    )
    title = models.CharField(_("title"), max_length=200)
    summary_of_changes = models.TextField(_("summary of changes"), blank=True)
    body = models.TextField(_("text"))
    content_hashes = models.JSONField(
        _("content hashes"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("SHA-256 of the text shown, per language."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["document", "-effective_at"]
        permissions = [("publish_policyversion", _("Can publish a policy version"))]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "country", "label"], name="policies_policyversion_label_unique"
            ),
            # One version in force per document and country.
            models.UniqueConstraint(
                fields=["document", "country"],
                condition=models.Q(status="published"),
                name="policies_policyversion_one_published",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "published", "retired"]),
                name="policies_policyversion_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="policies_policyversion_published_has_date",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="policies_policyversion_text_immutable",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.status <> 'draft' AND ("
                    + " OR ".join(
                        f'OLD."{column}" IS DISTINCT FROM NEW."{column}"'
                        for column in [
                            *TRANSLATED_TEXT_COLUMNS,
                            "title",
                            "body",
                            "summary_of_changes",
                            "label",
                            "country",
                            "document_id",
                            "effective_at",
                            "is_material",
                            "content_hashes",
                            "published_at",
                        ]
                    )
                    + ")"
                ),
            ),
            pgtrigger.Protect(
                name="policies_policyversion_no_unpublish",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.status <> 'draft' AND NEW.status = 'draft' OR OLD.status = 'retired' AND NEW.status <> 'retired'"
                ),
            ),
            pgtrigger.Protect(
                name="policies_policyversion_published_undeletable",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.status <> 'draft'"),
            ),
        ]

    def __str__(self) -> str:
        where = f" ({self.country.code})" if self.country else ""
        return f"{self.document.slug} {self.label}{where}"

    def get_absolute_url(self) -> str:
        return reverse("policies:version", kwargs={"slug": self.document.slug, "pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT
