import datetime

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from consent.accounts.models import Subject
from consent.db import RefuseTruncate

# --------------------------------------------------------------------------- subject requests
# (this block is the requests workflow's; the disclosure register's models follow it)

# The one Postgres sequence references are numbered from (migration 0001 creates it).
REFERENCE_SEQUENCE = "requests_app_reference_seq"


class RepresentativeOffice(models.Model):
    """A local office that answers the people of the countries it serves."""

    name = models.CharField(_("name"), max_length=150)
    countries = ArrayField(models.CharField(max_length=2), verbose_name=_("countries served"), default=list, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.TextField(_("postal address"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff members"), related_name="representative_offices", blank=True
    )
    is_default = models.BooleanField(
        _("default office"), default=False, help_text=_("Answers requests from countries no office serves.")
    )

    class Meta:
        verbose_name = _("representative office")
        verbose_name_plural = _("representative offices")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="requests_app_office_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SubjectRequest(models.Model):
    """A person's request about their data, from intake to answer. Moved only by
    requests_app.services, which writes a RequestEvent for every change."""

    class Type(models.TextChoices):
        ACCESS = "access", _("Access (a copy of my data)")
        CORRECTION = "correction", _("Correction")
        DELETION = "deletion", _("Deletion")
        OBJECTION_MARKETING = "objection_marketing", _("Objection to marketing")
        OBJECTION_THIRD_PARTY = "objection_third_party", _("Objection to sharing with third parties")
        OBJECTION_SALE = "objection_sale", _("Objection to transfer in a sale")
        CALIFORNIA_1798_83 = "ca_1798_83", _("California Civil Code 1798.83 disclosure request")
        COMPLAINT = "complaint", _("Complaint")
        QUESTION = "question", _("Question")

    class Status(models.TextChoices):
        AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_REQUESTER = "awaiting_requester", _("Awaiting the requester")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # Never verified within REQUEST_VERIFICATION_DAYS: contact data purged.
        EXPIRED = "expired", _("Expired unverified")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Self-service portal")
        WEB_FORM = "web_form", _("Public web form")
        API = "api", _("API")
        PHONE = "phone", _("Phone")
        MAIL = "mail", _("Postal mail")
        EMAIL = "email", _("Email")

    class VerificationMethod(models.TextChoices):
        ACCOUNT_LOGIN = "account_login", _("Signed in to their account")
        EMAIL_LINK = "email_link", _("Followed an emailed link")
        MATCHED_DATA = "matched_data", _("Matched data points")
        ID_DOCUMENT_SEEN = "id_document_seen", _("ID document seen (not kept)")

    class VerificationLevel(models.TextChoices):
        # Control of the address only; the address the request came from.
        BASIC = "basic", _("Basic: control of the email address")
        # A password-protected account, or several data points matched by staff.
        SUBSTANTIAL = "substantial", _("Substantial: account or matched data points")
        HIGH = "high", _("High: identity document seen")

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=32, choices=Type.choices)
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="subject_requests"
    )
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True)
    requester_email = models.EmailField(_("requester's email address"), max_length=254, blank=True)
    requester_phone = models.CharField(_("requester's phone"), max_length=32, blank=True)
    requester_address = models.TextField(_("requester's postal address"), blank=True)
    details = models.TextField(_("what the requester asks"), blank=True)
    country = CountryField(_("country"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.AWAITING_VERIFICATION, editable=False
    )
    verification_method = models.CharField(
        _("verification method"), max_length=24, choices=VerificationMethod.choices, blank=True, editable=False
    )
    verification_level = models.CharField(
        _("verification level"), max_length=16, choices=VerificationLevel.choices, blank=True, editable=False
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_subject_requests",
        editable=False,
    )
    office = models.ForeignKey(
        RepresentativeOffice,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subject_requests",
        editable=False,
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)
    due_at = models.DateTimeField(_("due"), editable=False)
    # The clock stops while the requester owes us an answer: since `paused_at`, and in total.
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True, editable=False)
    paused_for = models.DurationField(_("time paused"), default=datetime.timedelta, editable=False)
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True, editable=False)
    extension_reason = models.TextField(_("reason for the extension"), blank=True, editable=False)
    extension_told_at = models.DateTimeField(_("requester told of extension"), null=True, blank=True, editable=False)
    resolution = models.TextField(_("resolution"), blank=True, editable=False)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    contact_purged_at = models.DateTimeField(_("contact data purged at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("subject request")
        verbose_name_plural = _("subject requests")
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    type__in=[
                        "access",
                        "correction",
                        "deletion",
                        "objection_marketing",
                        "objection_third_party",
                        "objection_sale",
                        "ca_1798_83",
                        "complaint",
                        "question",
                    ]
                ),  # fmt: skip
                name="requests_app_subjectrequest_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "awaiting_verification",
                        "open",
                        "in_progress",
                        "awaiting_requester",
                        "completed",
                        "rejected",
                        "withdrawn",
                        "expired",
                    ]
                ),  # fmt: skip
                name="requests_app_subjectrequest_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="requests_app_subjectrequest_rejection_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "received_at"], name="requests_app_sr_subject"),
            models.Index(fields=["office", "status", "due_at"], name="requests_app_sr_queue"),
            models.Index(fields=["status", "due_at"], name="requests_app_sr_due"),
            # The queue's search by the start of the name a requester gave (one without an account).
            models.Index(OpClass(Lower("requester_name"), name="text_pattern_ops"), name="requests_app_sr_name_prefix"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.paused_at is None and self.due_at < timezone.now()


OPEN_STATUSES = (
    SubjectRequest.Status.AWAITING_VERIFICATION,
    SubjectRequest.Status.OPEN,
    SubjectRequest.Status.IN_PROGRESS,
    SubjectRequest.Status.AWAITING_REQUESTER,
)


class RequestEvent(models.Model):
    """One thing that happened to a request: append-only, like the consent ledger. The only
    change the database allows is blanking `comment` (the requester's contact data purge)."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        VERIFIED = "verified", _("Identity verified")
        STATUS = "status", _("Status changed")
        COMMENT = "comment", _("Comment")
        ASSIGNED = "assigned", _("Assigned")
        EXTENDED = "extended", _("Deadline extended")
        EXPORT_READY = "export_ready", _("Data export ready")
        DOWNLOADED = "downloaded", _("Data export downloaded")
        APPLIED = "applied", _("Applied")
        PURGED = "purged", _("Contact data purged")
        LETTER_POSTED = "letter_posted", _("Letter posted")

    request = models.ForeignKey(
        SubjectRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="events"
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, editable=False)
    actor = models.CharField(_("who"), max_length=254)
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(_("from status"), max_length=24, blank=True)
    to_status = models.CharField(_("to status"), max_length=24, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["request", "occurred_at"], name="requests_app_event_request")]
        triggers = [
            pgtrigger.Protect(name="requests_app_requestevent_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="requests_app_requestevent_append_only",
                operation=pgtrigger.Update,
                # Anything but blanking the comment, with every other column as it was.
                condition=pgtrigger.Condition(
                    "NEW.comment <> '' OR (OLD.id, OLD.request_id, OLD.occurred_at, OLD.actor, OLD.kind, "
                    "OLD.from_status, OLD.to_status) IS DISTINCT FROM (NEW.id, NEW.request_id, NEW.occurred_at, "
                    "NEW.actor, NEW.kind, NEW.from_status, NEW.to_status)"
                ),
            ),
            RefuseTruncate(name="requests_app_requestevent_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def to_status_label(self) -> str:
        return dict(SubjectRequest.Status.choices).get(self.to_status, self.to_status)


class RequestLetter(models.Model):
    """A message to a requester without an email address: what the email would have said, in
    their language, for staff to print and post. Written by requests_app.common.requester_tell
    in the transaction that causes it; `posted_at` is set once, with a LETTER_POSTED event."""

    request = models.ForeignKey(
        SubjectRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="letters"
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now, editable=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, editable=False)
    recipient_name = models.CharField(_("recipient's name"), max_length=200, blank=True, editable=False)
    recipient_address = models.TextField(_("recipient's postal address"), blank=True, editable=False)
    title = models.CharField(_("title"), max_length=255, editable=False)
    body = models.TextField(_("text"), blank=True, editable=False)
    # Like the outbox's dedupe key: the same message is written once however often it is asked for.
    key = models.CharField(_("key"), max_length=100, blank=True, editable=False)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, editable=False)
    posted_by = models.CharField(_("posted by"), max_length=254, blank=True, editable=False)

    class Meta:
        verbose_name = _("letter to a requester")
        verbose_name_plural = _("letters to requesters")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "key"], condition=~models.Q(key=""), name="requests_app_requestletter_key_unique"
            ),
        ]
        indexes = [
            # The queue's "letters to post" filter and count: the few not posted yet.
            models.Index(
                fields=["request"], condition=models.Q(posted_at__isnull=True), name="requests_app_letter_unposted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.title}"


class AccessExport(models.Model):
    """The ZIP an access request produced, kept until `expires_at` for the requester to fetch."""

    request = models.OneToOneField(
        SubjectRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="export"
    )
    content = models.BinaryField(_("content"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), editable=False)

    class Meta:
        verbose_name = _("access export")
        verbose_name_plural = _("access exports")

    def __str__(self) -> str:
        return f"{self.request_id} export"


# --------------------------------------------------------------------------- end of subject requests


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
