"""Settings, read from the environment.

With nothing set the app runs on an embedded SQLite file in ``var/`` with
development defaults bound to localhost. ``YOROZU_PRODUCTION=1`` switches to
production mode, which refuses to start without ``SECRET_KEY``,
``ALLOWED_HOSTS`` and a PostgreSQL ``DATABASE_URL``. Outside production, a host
other machines reach is refused with the development key, and gets no debug
pages unless ``DEBUG=1``.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YOROZU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PRODUCTION = env_bool("YOROZU_PRODUCTION")

# Published with the code, so it must never sign what a host others reach serves: it
# also keys the client pseudonyms (consultations.models.Client.pseudonym).
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-yorozu-do-not-use-in-production"
# Host names that reach only this machine ("testserver" is Django's test client).
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "testserver"}

if PRODUCTION:
    _missing = [n for n in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not os.environ.get(n)]
    if _missing:
        raise ImproperlyConfigured(
            "Production mode (YOROZU_PRODUCTION=1) requires these environment variables: "
            + ", ".join(_missing)
        )
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured("Production mode requires a PostgreSQL DATABASE_URL.")
    SECRET_KEY = os.environ["SECRET_KEY"]
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured("Production mode requires a SECRET_KEY of its own.")
    DEBUG = False
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
else:
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    _remote_hosts = [h for h in ALLOWED_HOSTS if h.lower() not in LOCAL_HOSTS]
    if _remote_hosts and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            f"ALLOWED_HOSTS names {', '.join(_remote_hosts)}, which other machines reach, "
            "while SECRET_KEY is the published development key. Set a SECRET_KEY of your "
            "own, and YOROZU_PRODUCTION=1 for a deployment (README, Running in production)."
        )
    # The debug pages show settings and code to whoever reaches them: on by default only
    # when every allowed host is this machine; DEBUG=1 turns them on deliberately.
    DEBUG = env_bool("DEBUG", not _remote_hosts)

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The job engine (core/jobs.py): Django 6's tasks framework, backported, with its
    # database backend, so that the embedded SQLite needs no other service.
    "django_tasks",
    "django_tasks_db",
    "core",
    "accounts",
    "organizations",
    "consultations",
    "planning",
    "support",
    "evaluation",
    "selection",
    "surveys",
    "casestudies",
    "contracts",
    "liaison",
    # The REST API (api/): Django REST framework with drf-spectacular's OpenAPI schema.
    "rest_framework",
    "drf_spectacular",
    "api",
    "home",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.otp_device: the device that verified this session's second step.
    "django_otp.middleware.OTPMiddleware",
    # What a logged-in user sees (pages, exports) is kept out of every cache.
    "core.middleware.NoStoreForUsersMiddleware",
    # Every export and download a user receives is recorded (who, what, filter, rows).
    "core.access_log.AccessLogMiddleware",
    # Login is enforced here, once; public views opt out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages, so that a user logged out for idleness is told why.
    "accounts.middleware.IdleTimeoutMiddleware",
    # A user whose role needs the second step reaches nothing else before passing it.
    "accounts.middleware.MFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Failed logins per address (accounts/throttle.py), then per account (django-axes,
    # last, as it asks: it answers a locked-out login with its lockout page).
    "accounts.throttle.LoginThrottleMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yorozu.urls"

# Lists count their rows up to this many and then say "more than 1,000: narrow the
# filters" (core.pagination; GitHub's search stops at 1,000 results too): counting
# further read a bureau's year of records on every page view. Exports are not capped.
LIST_COUNT_CAP = 1_000

# Selects rendered in one pass (core.widgets.render_select), not two templates per option.
FORM_RENDERER = "core.widgets.FormRenderer"

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
                "core.context_processors.navigation",
                "notifications.context_processors.bell",
            ],
        },
    },
]

WSGI_APPLICATION = "yorozu.wsgi.application"

_default_db = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE avoids "database is locked" when two requests write at once; WAL lets
    # pages read while a job (an import) writes, and a writer waits up to 20 s for another.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: it compiles for 40–170 ms in each analytic query and cannot be
    # interrupted while it does (docs/benchmarks.md, finding 6 and 2026-12-01).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed logins (on our login page and the admin's alike) are counted per account by
# django-axes; at LOGIN_FAILURE_LIMIT the account is locked until an administrator
# unlocks it (the account's page, or `manage.py axes_reset_username NAME`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = None
# Failures are cleared when a login is complete (accounts.mfa.login_completed): after
# the code for a user with two-step login, not at the password, or a known password
# would wipe the count of guessed codes at every new try.
AXES_RESET_ON_SUCCESS = False
# Every failure (password or code, and whether it hit the lock) kept in AccessFailureLog;
# logins and logouts in AccessLog. Both are shown to the Agency (accounts:login_events).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 1000
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Addresses are throttled, not locked (core.ratelimit on the login pages): one office
# behind one address must not be shut out by a colleague's typos.

# Two-step login (TOTP, django-otp). Which roles need it is the Agency's setting, kept
# in the database (accounts.SecurityPolicy, default every role); MFA_REQUIRED=0 lifts
# the requirement from every role (a user who enrolled still gives the code). It is on
# in the demo too: demo users enrol at their first login (README).
MFA_REQUIRED = env_bool("MFA_REQUIRED", True)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Yorozu")
# A code of the step before or after the server's is accepted; the device does not learn
# a drift from such a code (which, added up over logins, could shut out a good clock).
OTP_TOTP_SYNC = False
MFA_RECOVERY_CODES = 10

# Password rules: at least 12 characters, not in Django's list of 20,000 common
# passwords, not close to the user name, name or e-mail address, not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": ("username", "first_name", "last_name", "email"),
            "max_similarity": 0.7,
        },
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# A request's form fields (not its files) are refused beyond this size.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)  # Django's default
# Uploaded files larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Imported tables (core/tabular.py), sized so that a national year of sessions
# (700,000 rows: a CSV of about 100-150 MB, an .xlsx of about 100 MB unpacking to
# about 450-650 MB) is read, and a file built to exhaust the server is refused.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 256 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 768 * 1024 * 1024)
IMPORT_MAX_RATIO = env_int("IMPORT_MAX_RATIO", 100)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 1_000_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 100)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 20_000_000)

# The longest a login lasts however active (seconds), and the idle time after which a
# request logs the user out (accounts.middleware.IdleTimeoutMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Response headers, in every mode. Nothing in the app is framed, and a survey link's
# token must not leave in a Referer. core.checks refuses a production start without them.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Browser features the app never uses, refused to every page (and to anything injected).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=()"
)
# Content-Security-Policy (django-csp): scripts and styles only from our own static
# files, no inline script, handler or style attribute anywhere (behaviours are declared
# by data attributes and wired up by static/js/; chart data is read from the tables
# beside the charts). A page with an inline script or on*= handler fails
# core/tests/test_csp.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@yorozu.example.go.jp")
# The address links in notification mails start with (e.g. https://yorozu.example.go.jp).
SITE_URL = os.environ.get("SITE_URL", "")

# Limits per client address (core.ratelimit): requests to the public survey pages,
# failed logins on the login pages (an address past LOGIN_ADDRESS_LIMIT failures in
# LOGIN_ADDRESS_WINDOW seconds must wait; accounts lock on their own, above). Behind a
# reverse proxy set TRUST_X_FORWARDED_FOR=1 so that the address the proxy adds (the
# last one of X-Forwarded-For) is counted, not the proxy's own.
SURVEY_RATE_LIMIT = env_int("SURVEY_RATE_LIMIT", 30)
SURVEY_RATE_WINDOW = env_int("SURVEY_RATE_WINDOW", 600)
LOGIN_ADDRESS_LIMIT = env_int("LOGIN_ADDRESS_LIMIT", 30)
LOGIN_ADDRESS_WINDOW = env_int("LOGIN_ADDRESS_WINDOW", 900)
# SURVEY_TRUST_X_FORWARDED_FOR: its earlier name, still read.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR") or env_bool(
    "SURVEY_TRUST_X_FORWARDED_FOR"
)

# The cache, where the survey pages' rate limit counts: shared by every worker process
# when REDIS_URL is set (required in production: `check --deploy` warns without it),
# else Django's default, a memory cache per process.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "yorozu",
        }
    }
# Whole fiscal years' national figures cached until a record of the year changes
# (consultations.indicators.fiscal_year_figures): only with a cache every worker shares.
INDICATOR_YEAR_CACHE = bool(REDIS_URL)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The access and export log (core.models.AccessLogEntry) is kept this long;
# `manage.py expire_access_log` (daily, --dry-run to see first) deletes older entries.
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 5 * 365 + 1)

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Background jobs (core/jobs.py) on django-tasks' database backend: the same database,
# no other service. `manage.py jobs_worker` runs them (`python3 dev.py start` starts one
# beside the server; production runs several, README). Tests use the immediate backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# An import of more rows than this, and an export of more rows than this, runs as a job.
JOB_IMPORT_THRESHOLD_ROWS = env_int("JOB_IMPORT_THRESHOLD_ROWS", 5000)
JOB_EXPORT_THRESHOLD_ROWS = env_int("JOB_EXPORT_THRESHOLD_ROWS", 10000)
# Uploaded files and results of jobs (under MEDIA_ROOT/jobs, never served as static files)
# are deleted this many days after the job finished (`manage.py run_daily`).
JOB_FILE_RETENTION_DAYS = env_int("JOB_FILE_RETENTION_DAYS", 7)
# A running job of another machine whose progress has not moved for this long is taken
# as dead (its worker killed); a job of this machine is dead when its process is gone.
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 3600)
# Attempts of a job whose retry is safe (a transient database error, a killed worker).
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)

# Client identity is kept this many years after a client's last session; the daily work
# (`manage.py run_daily`) then pseudonymises the client. The Agency changes it on the
# security settings page (accounts.SecurityPolicy); this is the default.
CLIENT_RETENTION_YEARS = env_int("CLIENT_RETENTION_YEARS", 10)

# The sessions index INCLUDEs columns for PostgreSQL's index-only scans; SQLite ignores
# them, which is harmless for the embedded database.
SILENCED_SYSTEM_CHECKS = ["models.W040", "axes.W006"]


# --- The REST API (api/) --------------------------------------------------------------
# Personal tokens (api.authentication) for systems, the session for the docs page; every
# queryset through the models' for_user (api/views.py), one FilterSet per list.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "5000/hour")
# The longest a personal API token may be valid, in days.
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "365"))
# The most items one bulk write takes (larger files go through the import page's job).
API_BULK_MAX_ITEMS = int(os.environ.get("API_BULK_MAX_ITEMS", "5000"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.MayUseApi"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_THROTTLE_RATE},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yorozu Support Center Operations API",
    "DESCRIPTION": (
        "Read the records a user sees on the pages, and write clients, cases, sessions and "
        "network activities through the same checks as the import. Authenticate with a "
        "personal API token (Authorization: Bearer <token>) created on the API tokens page."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is read by those who may use the API (it is in docs/openapi.yaml anyway).
    "SERVE_PERMISSIONS": ["api.permissions.MayUseApi"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The same schema whichever database generates it (docs/openapi.yaml is checked in).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.drop_database_limits",
    ],
}
