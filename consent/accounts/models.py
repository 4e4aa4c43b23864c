import uuid
from importlib import import_module

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import HashIndex, OpClass
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from rest_framework_api_key.models import AbstractAPIKey

from consent.accounts.identity import InvalidIdentifier, canonical_email, canonical_phone
from consent.db import RefuseTruncate


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        try:
            return self.get(email=canonical_email(username))
        except InvalidIdentifier:
            raise self.model.DoesNotExist from None

    def create_user(self, email, password=None, **fields):
        # Subjects are created by consent.accounts.services.user_create; this stays
        # for Django's own tooling (createsuperuser, tests of auth).
        user = self.model(email=canonical_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


def _validate_phone(value: str) -> None:
    if value:
        try:
            canonical_phone(value)
        except InvalidIdentifier as exc:
            raise ValidationError(str(exc)) from exc


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), max_length=254)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[_validate_phone], help_text=_("E.164, e.g. +46701234567")
    )
    street_address = models.CharField(_("street address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    occupation = models.CharField(_("occupation"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False, help_text=_("Can log into the back office."))
    is_active = models.BooleanField(_("active"), default=True)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True, editable=False)
    # A new address the person asked for; it replaces `email` only once its link is followed.
    pending_email = models.EmailField(_("new email address, not yet verified"), max_length=254, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            # Changing a staff account (its password, address, roles) is taking it over: only
            # whoever holds this may, not everyone who may correct a customer's profile.
            ("manage_staff", _("Can change staff accounts, their roles and second factors")),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="accounts_user_language_valid",
            ),
        ]
        indexes = [
            # The back office's search box (consent.backoffice.search): a phone number, and a
            # name prefix ("first last", any case; text_pattern_ops serves LIKE 'prefix%').
            models.Index(fields=["phone"], name="accounts_user_phone"),
            models.Index(
                OpClass(Lower(Concat("first_name", models.Value(" "), "last_name")), name="text_pattern_ops"),
                name="accounts_user_name_prefix",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = canonical_email(self.email)
        if self.phone:
            self.phone = canonical_phone(self.phone)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        try:
            self.email = canonical_email(self.email)
        except InvalidIdentifier as exc:
            raise ValidationError({"email": str(exc)}) from exc

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name


class Subject(models.Model):
    """One person the platform holds choices for, registered or not.

    The ledger, suppression and requests point here, so erasing the User leaves a
    pseudonymous Subject whose consent proof survives."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subject",
    )
    # The identity digest of the email address, or of the phone number for a person known only by
    # phone (accounts.services.subject_get_or_create_by_phone): digests of the two never collide.
    email_digest = models.BinaryField(_("email digest"), max_length=32, null=True, editable=False)
    # NULL, not "", for "none": the unique constraint must allow many subjects without one.
    external_id = models.CharField(  # noqa: DJ001
        _("external id"),
        max_length=128,
        null=True,
        blank=True,
        help_text=_("The id another system knows this person by."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(fields=["email_digest"], name="accounts_subject_email_digest_unique"),
            models.UniqueConstraint(fields=["external_id"], name="accounts_subject_external_id_unique"),
        ]
        indexes = [
            # The check looks up thousands of digests at a time: a hash probe reads one
            # bucket page where the unique B-tree (kept for the constraint) descends three.
            HashIndex(fields=["email_digest"], name="accounts_subject_digest_hash"),
        ]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def email_digest_hex(self) -> str:
        return bytes(self.email_digest).hex() if self.email_digest else ""


class IdentityKey(models.Model):
    """The fingerprint of the IDENTITY_HASH_KEY every stored digest was made with."""

    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("identity key")
        verbose_name_plural = _("identity keys")

    def __str__(self) -> str:
        return self.fingerprint[:12]


class ApiScope(models.TextChoices):
    CONSENT_READ = "consent:read", _("Read consent state and history")
    CONSENT_WRITE = "consent:write", _("Record consent events")
    SUPPRESSION_READ = "suppression:read", _("Read suppression entries and scrub lists")
    SUPPRESSION_WRITE = "suppression:write", _("Add suppression entries and import lists")
    REQUESTS_WRITE = "requests:write", _("Open and update subject requests")


class ApiKey(AbstractAPIKey):
    """A key for another system, carrying only the scopes it was given."""

    scopes = ArrayField(
        models.CharField(max_length=32, choices=ApiScope.choices), verbose_name=_("scopes"), default=list, blank=True
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scopes__contained_by=ApiScope.values),
                name="accounts_apikey_scopes_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class DataAccess(models.Model):
    """One look at a person's data by a staff member or an API key: who, what, when, from where.

    Append-only like the ledger (the database refuses UPDATE, DELETE and TRUNCATE), written
    only by `consent.accounts.services.data_access_record`, one INSERT per page or call. The
    who is kept twice: the account's id for queries, and its label as it was at the time, so
    the entry stays readable after the account is renamed or removed. No foreign-key
    constraints: an append-only row must never block deleting a staff account or a key."""

    class Kind(models.TextChoices):
        PROFILE = "profile", _("Profile")
        SUBJECT = "subject", _("Subject page")
        LEDGER = "ledger", _("Consent events")
        LOOKUP = "lookup", _("Lookup by email or external id")
        LIST = "list", _("List of people")
        REQUEST = "request", _("Subject request")
        EXPORT = "export", _("Data export")

    class ActorType(models.TextChoices):
        STAFF = "staff", _("Staff member")
        API_KEY = "api_key", _("API key")

    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now, editable=False)
    actor_type = models.CharField(_("actor type"), max_length=8, choices=ActorType.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    api_key_prefix = models.CharField(_("API key prefix"), max_length=8, blank=True)
    actor_label = models.CharField(_("who"), max_length=254)
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    object_id = models.CharField(
        _("object id"), max_length=64, blank=True, help_text=_("The id of what was shown: a user, event, request…")
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["profile", "subject", "ledger", "lookup", "list", "request", "export"]),
                name="accounts_dataaccess_kind_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(actor_type="staff", staff__isnull=False, api_key_prefix="")
                    | (models.Q(actor_type="api_key", staff__isnull=True) & ~models.Q(api_key_prefix=""))
                ),
                name="accounts_dataaccess_one_actor",
            ),
        ]
        indexes = [
            # "Who looked at this person?" (the subject page) and "what did this staff member
            # look at?" (an audit), newest first; list pages have no subject, keys no staff.
            models.Index(
                fields=["subject", "viewed_at"],
                name="accounts_dataaccess_subject",
                condition=models.Q(subject__isnull=False),
            ),
            models.Index(
                fields=["staff", "viewed_at"],
                name="accounts_dataaccess_staff",
                condition=models.Q(staff__isnull=False),
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="accounts_dataaccess_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            RefuseTruncate(name="accounts_dataaccess_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} · {self.get_kind_display()} {self.object_id}".strip()


class ProfileChange(models.Model):
    """One change of a person's profile, for their history: which fields, when, by whom,
    through what. The values are not copied here (the profile holds the current ones),
    so the history is not a second copy of the person's data. Append-only."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Self-service portal")
        EMAIL_VERIFICATION = "email_verification", _("Email verification link")
        REPRESENTATIVE = "representative", _("Customer representative")
        SECURITY = "security", _("Security report")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile_changes",
        db_index=False,
    )
    fields = ArrayField(models.CharField(max_length=64), verbose_name=_("fields changed"))
    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    actor = models.CharField(_("actor"), max_length=64, blank=True, help_text=_("Empty: the person themselves."))
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        indexes = [models.Index(fields=["user", "-changed_at"], name="accounts_profilechange_user")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=["portal", "email_verification", "representative", "security"]),
                name="accounts_profilechange_source_valid",
            ),
        ]
        triggers = [
            # History is written once; deleting the user (erasure) deletes it with them.
            pgtrigger.Protect(name="accounts_profilechange_append_only", operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {', '.join(self.fields)}"


class PasswordCompromiseReport(models.Model):
    """A person's report that someone else may know their password (policy: "notify us
    promptly"). Reporting ends every session and forces a new password; staff follow up here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="password_compromise_reports",
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, editable=False)
    note = models.TextField(_("what the person told us"), blank=True, max_length=2000)
    ip_address = models.GenericIPAddressField(_("reported from IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        # Erasing the staff member's own data deletes their account; the report stays.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff_note = models.TextField(_("staff note"), blank=True)

    class Meta:
        verbose_name = _("compromised password report")
        verbose_name_plural = _("compromised password reports")
        indexes = [
            models.Index(
                fields=["-reported_at"], condition=models.Q(handled_at__isnull=True), name="accounts_pwreport_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.reported_at:%Y-%m-%d %H:%M}"


class UserSession(AbstractBaseSession):
    """A database session that also records whose it is, so that ending one person's sessions
    (erasure) is an index probe, not a decoding of every session (Django's documented way of
    extending the database session engine; consent.accounts.sessions is the engine)."""

    # A label, not a constraint: a session saved as its user is being deleted must not fail.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        return import_module(settings.SESSION_ENGINE).SessionStore  # consent.accounts.sessions
