"""The one settings module. Everything that differs between machines comes from
the environment (see the configuration table in README.md)."""

import base64
import binascii
from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer's checkout keeps local settings in .env (`make` writes DJANGO_DEBUG=true there);
# real environment variables win over it, and production has no such file.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Development defaults are only ever used with DEBUG on; production must say.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production-0123456789"
_DEV_IDENTITY_HASH_KEY = "dev-only-identity-hash-key"
# base64(SHA-256("dev-only-ledger-signing-key")), an Ed25519 private key everyone knows.
_DEV_LEDGER_SIGNING_KEY = "gdXfBEnTFIEWo+DYVn4YYi8xYppRnwpuR+DAQB7093E="

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
IDENTITY_HASH_KEY = env.str("IDENTITY_HASH_KEY", default="")
# Signs the ledger's checkpoints (an Ed25519 private key: base64 of 32 random bytes). Kept out
# of the database, so whoever can rewrite the tables cannot sign a matching checkpoint.
LEDGER_SIGNING_KEY = env.str("LEDGER_SIGNING_KEY", default="")
# After a key change: the former keys' public halves (base64), so older checkpoints still verify.
LEDGER_PREVIOUS_PUBLIC_KEYS = env.list("LEDGER_PREVIOUS_PUBLIC_KEYS", default=[])

if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
    IDENTITY_HASH_KEY = IDENTITY_HASH_KEY or _DEV_IDENTITY_HASH_KEY
    LEDGER_SIGNING_KEY = LEDGER_SIGNING_KEY or _DEV_LEDGER_SIGNING_KEY
else:
    _missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS),
            ("IDENTITY_HASH_KEY", IDENTITY_HASH_KEY),
            ("LEDGER_SIGNING_KEY", LEDGER_SIGNING_KEY),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured("Refusing to start with DJANGO_DEBUG off: set " + ", ".join(_missing) + ".")
    _dev_keys = (_DEV_SECRET_KEY, _DEV_IDENTITY_HASH_KEY, _DEV_LEDGER_SIGNING_KEY)
    if SECRET_KEY in _dev_keys or IDENTITY_HASH_KEY in _dev_keys or LEDGER_SIGNING_KEY in _dev_keys:
        raise ImproperlyConfigured("Refusing to start with DJANGO_DEBUG off using a development key.")
# Checked here so a mistyped key stops every process at start, not the first checkpoint an hour later.
for _name, _key in [
    ("LEDGER_SIGNING_KEY", LEDGER_SIGNING_KEY),
    *(("LEDGER_PREVIOUS_PUBLIC_KEYS", k) for k in LEDGER_PREVIOUS_PUBLIC_KEYS),
]:
    try:
        _valid = len(base64.b64decode(_key, validate=True)) == 32
    except (binascii.Error, ValueError):
        _valid = False
    if not _valid:
        raise ImproperlyConfigured(f"{_name} must be base64 of 32 bytes (make one with: openssl rand -base64 32).")

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it comes before it.
    "modeltranslation",
    # Before staticfiles: its runserver (make run's server) replaces staticfiles' own.
    "consent.demo",
    # The admin with the back office's own site (second factor required): Django's documented
    # way to replace the default site, so every app's @admin.register lands on it.
    "consent.backoffice.apps.BackOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "pgtrigger",
    "axes",
    # Second factor for staff: TOTP authenticator apps and single-use backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "consent.accounts",
    "consent.policies",
    "consent.ledger",
    "consent.suppression",
    "consent.notifications",
    "requests_app",
    "consent.banner",
    "consent.portal",
    "consent.notices",
    "consent.backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives request.user.is_verified(): true once this session has passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last: it must see the authenticated user to lock out failed logins.
    "axes.middleware.AxesMiddleware",
    # A pending material policy change comes before every portal page (consent.notices).
    "consent.notices.middleware.PolicyUpdateMiddleware",
    # Turns a rate-limited public form (django-ratelimit) into the 429 page of RATELIMIT_VIEW.
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Re-points the cookie banner's visitor cookie to the person who just logged in.
    "consent.banner.middleware.BannerCookieMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "consent.notices.context_processors.policy_notices",
            ],
        },
    },
]

# Database: make run / make test start an embedded PostgreSQL and set DATABASE_URL.
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test`, which start an embedded "
        "PostgreSQL, or point DATABASE_URL at your server."
    )
DATABASES = {"default": env.db_url("DATABASE_URL")}
# A Unix-socket directory arrives percent-encoded (postgres://user@%2Fpath%2Fto%2Fdir/db).
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
# Each process keeps a bounded pool of connections (psycopg_pool): a burst of requests waits
# for a free connection instead of opening one per thread until the server refuses clients.
# With DATABASE_CONN_HEALTH_CHECKS a connection is pinged as it leaves the pool (a round trip
# per request), so one broken by a database restart is replaced instead of failing a request.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=8)
DATABASE_CONN_HEALTH_CHECKS = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=False)
if DATABASE_POOL_MAX_SIZE:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        "max_idle": 300,
    }
    if DATABASE_CONN_HEALTH_CHECKS:
        from psycopg_pool import ConnectionPool

        DATABASES["default"]["OPTIONS"]["pool"]["check"] = ConnectionPool.check_connection
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = DATABASE_CONN_HEALTH_CHECKS
# JIT compilation costs tens of milliseconds per query and pays off only for long
# analytical queries, which this application does not run. Prepared statements (only the
# hot paths' server-side cursors make them) keep one generic plan instead of re-planning.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c plan_cache_mode=force_generic_plan"
# Hot queries run on server-side-bound cursors and are prepared after this many runs on a
# connection. Set it empty behind a transaction-pooling PgBouncer older than 1.21.
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = env.int("DATABASE_PREPARE_THRESHOLD", default=5) or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Email uniqueness is a case-insensitive unique index (accounts_user_email_ci_unique),
# which this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first (Django's recommendation); the others only read hashes made before.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:overview"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login rate limiting: five failures lock the (username, IP) pair for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "consent.accounts.auth.login_username"
# Second factor (django-otp). Every staff account needs a confirmed device; wrong codes count
# as failed logins for django-axes and each device also slows down after failures.
# Device admins never show a TOTP secret or the backup codes once saved.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
AXES_LOCKOUT_TEMPLATE = "portal/accounts/locked_out.html"

# Public forms (registration, login, password reset): at most PUBLIC_FORM_RATE posts per
# client IP, counted in the cache (Redis when REDIS_URL is set; without it, per process).
PUBLIC_FORM_RATE = env.str("PUBLIC_FORM_RATE", default="10/m")
RATELIMIT_VIEW = "consent.portal.views.rate_limited"
# The cookie banner (consent.banner): the company's sites allowed to call its endpoints from
# the browser (scheme://host[:port], comma-separated), and POSTs per client IP to its choices.
CONSENT_BANNER_ORIGINS = env.list("CONSENT_BANNER_ORIGINS", default=[])
CONSENT_BANNER_RATE = env.str("CONSENT_BANNER_RATE", default="120/m")
# The address an email-verification link confirms is valid for this long.
EMAIL_VERIFICATION_MAX_AGE = env.int("EMAIL_VERIFICATION_MAX_AGE_HOURS", default=72) * 3600
# Subject requests: an unverified request expires (contact data purged) after this many days;
# emailed links to a request's status page and download work this long; exports are kept this long.
REQUEST_VERIFICATION_DAYS = env.int("REQUEST_VERIFICATION_DAYS", default=14)
REQUEST_LINK_MAX_AGE_DAYS = env.int("REQUEST_LINK_MAX_AGE_DAYS", default=7)
REQUEST_EXPORT_DAYS = env.int("REQUEST_EXPORT_DAYS", default=7)

# Languages: English is the default; every page and email exists in sv and fr too.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("sv", _("Swedish")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LANGUAGE_COOKIE_NAME = "consent_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# In production WhiteNoise serves the collected static files from gunicorn.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if not DEBUG:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

# Caches back rate limits; Redis when there is one, process memory otherwise.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Email: EMAIL_URL (smtp://user:pass@host:port, consolemail://, filemail://path).
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
else:
    raise ImproperlyConfigured("Refusing to start with DJANGO_DEBUG off: set EMAIL_URL.")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Privacy Office <privacy@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A worker waits at most this long for the SMTP server (Django's default is forever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# The outbox (consent.notifications): retries, the sweep's grace period, retention.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_RETRY_BACKOFF_SECONDS = env.float("OUTBOX_RETRY_BACKOFF_SECONDS", default=60.0)
OUTBOX_SWEEP_GRACE_SECONDS = env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=60.0)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)
# The domain of Message-IDs; by default DEFAULT_FROM_EMAIL's.
OUTBOX_MESSAGE_ID_DOMAIN = env.str("OUTBOX_MESSAGE_ID_DOMAIN", default="")

# Uploaded files (suppression lists waiting to be imported, reports of rejected lines).
# Web servers and workers must share it (a volume, or a shared storage backend).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served: files are handed out by views that check permissions
# Keep an imported list's file after its import (it holds the addresses; off by default).
SUPPRESSION_IMPORT_KEEP_FILES = env.bool("SUPPRESSION_IMPORT_KEEP_FILES", default=False)
# Largest suppression list upload; the import streams, so this bounds disk, not memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
SUPPRESSION_UPLOAD_MAX_BYTES = env.int("SUPPRESSION_UPLOAD_MAX_BYTES", default=2 * 1024**3)

# A material policy change is announced on every page for this many days after its publication.
POLICY_NOTICE_DAYS = env.int("POLICY_NOTICE_DAYS", default=30)

# Links in emails and receipts point here.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CONTROLLER_NAME = env.str("CONTROLLER_NAME", default="Nordlys Meetings SAS")
CONTROLLER_CONTACT = env.str("CONTROLLER_CONTACT", default="privacy@nordlys.example")
# The name authenticator apps show beside a staff member's code.
OTP_TOTP_ISSUER = CONTROLLER_NAME

# Celery: without a broker, tasks run in-process so a laptop needs nothing else.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# max_retries 0: a web request that cannot reach the broker fails its publish at once instead
# of retrying for seconds (kombu's default); the outbox's sweep sends what was not published.
# The worker's own connection keeps retrying (CELERY_BROKER_CONNECTION_*).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0}
# Queue of every task; a test or a second deployment sharing the broker sets its own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Seconds between recounts of the dashboard's consent and do-not-contact figures.
DASHBOARD_REFRESH_SECONDS = env.int("DASHBOARD_REFRESH_SECONDS", default=300)
# Periodic work, run by the one `celery beat` process (`celery -A config beat`; docker compose
# runs it). The one schedule: config/celery.py reads it from here.
CELERY_BEAT_SCHEDULE = {
    # Sends what the broker lost: emails still queued after OUTBOX_SWEEP_GRACE_SECONDS.
    "send-due-emails": {"task": "consent.notifications.tasks.send_due_emails_task", "schedule": 60.0},
    # Removes the content and address of emails older than OUTBOX_RETENTION_DAYS.
    "redact-old-emails": {
        "task": "consent.notifications.tasks.redact_old_emails_task",
        "schedule": crontab(hour=3, minute=17),
    },
    # Subject requests: unverified ones expire after REQUEST_VERIFICATION_DAYS; deadline reminders.
    "expire-unverified-requests": {
        "task": "requests_app.tasks.expire_unverified_requests_task",
        "schedule": crontab(hour=2, minute=41),
    },
    "remind-request-deadlines": {
        "task": "requests_app.tasks.remind_request_deadlines_task",
        "schedule": crontab(hour=7, minute=5),
    },
    # The dashboard's weekly figures: this week and last, every DASHBOARD_REFRESH_SECONDS
    # (the page shows when they were counted); an expired run is replaced by the next one.
    "refresh-dashboard-figures": {
        "task": "consent.backoffice.tasks.refresh_dashboard_figures_task",
        "schedule": float(DASHBOARD_REFRESH_SECONDS),
        "options": {"expires": DASHBOARD_REFRESH_SECONDS},
    },
    # The suppression chart over every week, for entries removed after they were counted.
    "recount-suppression-figures": {
        "task": "consent.backoffice.tasks.recount_suppression_figures_task",
        "schedule": crontab(hour=3, minute=47),
    },
    # Sessions past their expiry, deleted (Django leaves them in the table until clearsessions).
    "clear-expired-sessions": {
        "task": "consent.accounts.tasks.clear_expired_sessions_task",
        "schedule": crontab(hour=4, minute=23),
    },
    # A signed checkpoint of the ledger every hour: tampering is detectable from the next one on.
    "take-ledger-checkpoint": {
        "task": "consent.ledger.tasks.take_ledger_checkpoint_task",
        "schedule": crontab(minute=7),
        "options": {"expires": 3000},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "consent.accounts.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["consent.accounts.auth.HasScope"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "consent.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "consent.api.negotiation.JsonFirstNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "consent.api.parsers.StrictJSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Seconds a verified API key is trusted without asking the database again (revocation delay).
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=10)
SPECTACULAR_SETTINGS = {
    "TITLE": "Consent platform API",
    "DESCRIPTION": (
        "Policy versions, the consent ledger, suppression and subject requests. "
        "Authenticate with `Authorization: Api-Key <key>`; each endpoint names the scope it needs."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed package, not a CDN: works offline and under a strict CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set used by several serializers.
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "consent.ledger.models.Channel",
        "DecisionEnum": "consent.ledger.models.ConsentEvent.Decision",
        "SourceEnum": "consent.ledger.models.ConsentEvent.Source",
        "SuppressionReasonEnum": "consent.suppression.models.SuppressionEntry.Reason",
        "SuppressionImportStatusEnum": "consent.suppression.models.SuppressionImport.Status",
        "DecisionReasonEnum": "consent.decisions.api.REASONS",
        "PolicyVersionStatusEnum": "consent.policies.models.PolicyVersion.Status",
        "SubjectRequestStatusEnum": "requests_app.models.SubjectRequest.Status",
        "SubjectRequestTypeEnum": "requests_app.models.SubjectRequest.Type",
    },
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# Production hardening; each can be relaxed from the environment (e.g. behind a TLS proxy).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Database sessions that name their user, so erasure ends a person's sessions by index.
SESSION_ENGINE = "consent.accounts.sessions"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
