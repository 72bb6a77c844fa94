"""Dangjian settings: one file, every knob from the environment, loud on bad values.

Development needs no configuration: secrets and keys are generated once into ``var/dev-keys.json``
and a SQLite file under ``var/``. Production sets ``DJANGO_DEBUG=0`` and real secrets; ``manage.py
check --deploy`` refuses the generated development keys.
"""

import ipaddress
import json
import os
import secrets
from pathlib import Path
from typing import Any, overload

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DANGJIAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _dev_keys() -> dict[str, str]:
    """Development keys, generated once per checkout so restarts keep sessions and decryptable PII."""
    path = VAR_DIR / "dev-keys.json"
    keys = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "secret_key": lambda: "django-insecure-" + secrets.token_urlsafe(40),
        "pii_key": lambda: Fernet.generate_key().decode(),
        "index_key": lambda: secrets.token_hex(32),
        "audit_key": lambda: secrets.token_hex(32),
        "backup_key": lambda: Fernet.generate_key().decode(),
    }
    missing = {name: make() for name, make in wanted.items() if name not in keys}
    if missing:  # a checkout made before a key existed gets just the new one
        keys.update(missing)
        path.write_text(json.dumps(keys))
        path.chmod(0o600)
    return keys


DEBUG = env_bool("DJANGO_DEBUG", True)
_DEV = _dev_keys()
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or _DEV["secret_key"]
# Fernet keys, newest first: encryption uses the first, decryption tries all (rotation by re-save).
PII_KEYS = env_list("DANGJIAN_PII_KEYS", [_DEV["pii_key"]])
PII_INDEX_KEY = env_str("DANGJIAN_PII_INDEX_KEY") or _DEV["index_key"]
# The index keys, newest first: lookups use the first; ``rotate_pii_keys`` rebuilds the index from
# the older one(s) to the newest.
PII_INDEX_KEYS = env_list("DANGJIAN_PII_INDEX_KEYS", [PII_INDEX_KEY])
PII_INDEX_KEY = PII_INDEX_KEYS[0]
# Signs the audit checkpoints kept outside the database (core.checkpoints).
AUDIT_CHECKPOINT_KEY = env_str("DANGJIAN_AUDIT_KEY") or _DEV["audit_key"]
AUDIT_CHECKPOINT_FILE = Path(
    env_str("DANGJIAN_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl"))
)
# No audit entry younger than this may be purged (等保: at least 180 days).
AUDIT_RETENTION_DAYS = env_int("DANGJIAN_AUDIT_RETENTION_DAYS", 180, minimum=180)
# Encrypts `manage.py backup` archives (a Fernet key).
BACKUP_KEY = env_str("DANGJIAN_BACKUP_KEY") or _DEV["backup_key"]
PII_DEV_KEYS_IN_USE = (
    [_DEV["pii_key"]] == PII_KEYS
    or _DEV["index_key"] == PII_INDEX_KEY
    or _DEV["audit_key"] == AUDIT_CHECKPOINT_KEY
    or _DEV["backup_key"] == BACKUP_KEY
)
DEV_KEYS_IN_USE = SECRET_KEY.startswith("django-insecure-") or PII_DEV_KEYS_IN_USE
for _key in [*PII_KEYS, BACKUP_KEY]:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "DANGJIAN_PII_KEYS / DANGJIAN_BACKUP_KEY hold a value that is not a Fernet key"
        ) from None

# Demo mode (`make run`): a banner on every page, the seeded demo logins exempt from the second factor,
# the first-login change and password expiry; served on the loopback address only. It runs on the
# generated development keys and never on production ones.
DANGJIAN_DEMO = env_bool("DANGJIAN_DEMO", False)
if DANGJIAN_DEMO and not DEV_KEYS_IN_USE:
    raise ImproperlyConfigured(
        "DANGJIAN_DEMO=1 with production keys: demo mode exempts logins from the second factor and "
        "must never run on real data. Unset DANGJIAN_DEMO."
    )
if not DEBUG and DEV_KEYS_IN_USE and not DANGJIAN_DEMO:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=0 on the generated development keys: set DJANGO_SECRET_KEY, DANGJIAN_PII_KEYS, "
        "DANGJIAN_PII_INDEX_KEY, DANGJIAN_AUDIT_KEY and DANGJIAN_BACKUP_KEY (or run the demo with "
        "DANGJIAN_DEMO=1)."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
if DANGJIAN_DEMO:
    ALLOWED_HOSTS = [
        h for h in ALLOWED_HOSTS if h in ("127.0.0.1", "localhost", "::1", "[::1]", "testserver")
    ]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_htmx",
    "treebeard",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "dangjian.core",
    "dangjian.orgs",
    "dangjian.accounts",
    "dangjian.people",
    "dangjian.activities",
    "dangjian.casework",
    "dangjian.projects",
    "dangjian.ratings",
    "dangjian.payouts",
    "dangjian.checklists",
    "dangjian.reports",
    "dangjian.jobs",
    "dangjian.api",
]

MIDDLEWARE = [
    "dangjian.core.middleware.BearerApiMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dangjian.core.middleware.DemoLoopbackMiddleware",
    "dangjian.core.middleware.ClientIpMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dangjian.accounts.middleware.IdleTimeoutMiddleware",
    "dangjian.accounts.middleware.LoginPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dangjian.core.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]
# A call to the API with a bearer token and no session takes this chain instead (BearerApiMiddleware):
# the same response headers, no session, CSRF, login policy, messages or htmx.
API_TOKEN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dangjian.core.middleware.DemoLoopbackMiddleware",
    "dangjian.core.middleware.ClientIpMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dangjian.core.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.core.context_processors.platform",
            ],
        },
    }
]

_default_db = f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers never read the same audit chain head.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # journal_size_limit: a WAL that a large import grew (see people.importers'
        # _sqlite_tuned_for_import) is cut back to 64 MB at the next checkpoint that empties it.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=67108864;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Tests always use a real database file (or server); DANGJIAN_TEST_DB lets parallel runs keep apart.
_test_name = env_str("DANGJIAN_TEST_DB")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": _test_name or str(VAR_DIR / "test.sqlite3")}
elif _test_name:
    DATABASES["default"]["TEST"] = {"NAME": _test_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES: dict[str, dict[str, Any]] = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
        }
    }

# Background jobs (Django's tasks framework through the django-tasks backport). "db": queued in the
# database, no extra server (the embedded default); "rq": RQ over Redis (production, several app
# servers); "immediate": run inside the request (tests of pages that do not test the worker).
# `manage.py worker` runs the chosen backend's worker and the daily schedule.
TASKS_BACKEND = env_str("DANGJIAN_TASKS", "db")
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"DANGJIAN_TASKS={TASKS_BACKEND!r}: use one of {', '.join(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# The queue's Redis (RQ only); give each deployment sharing a Redis its own database number.
RQ_REDIS_URL = env_str("DANGJIAN_RQ_REDIS_URL") or env_str("REDIS_URL") or "redis://127.0.0.1:6379/0"
RQ_QUEUES = {"default": {"URL": RQ_REDIS_URL, "DEFAULT_TIMEOUT": 3 * 3600}}
# A running job whose worker process is gone (kill -9, a lost server) is retried or failed once its
# heartbeat is this old; a worker on the same host notices a dead process at once.
JOBS_STALE_SECONDS = env_int("DANGJIAN_JOBS_STALE_SECONDS", 120, minimum=10)
JOBS_MAX_ATTEMPTS = env_int("DANGJIAN_JOBS_MAX_ATTEMPTS", 2, minimum=1)
# Uploaded files wait this long for their commit, then the daily schedule deletes them.
UPLOAD_MAX_AGE_HOURS = env_int("DANGJIAN_UPLOAD_MAX_AGE_HOURS", 24, minimum=1)
# An export of more rows than this (a city's roster) is written by the worker, with a progress bar
# and a download when ready; a branch's export stays immediate.
EXPORT_INLINE_MAX_ROWS = env_int("DANGJIAN_EXPORT_INLINE_MAX_ROWS", 5000, minimum=1)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dangjian.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins are counted in the shared database (the security page lists its lockouts), so attempts
# spread over several app servers add up to one lockout.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The address an attempt is recorded with: X-Forwarded-For only from DANGJIAN_TRUSTED_PROXIES.
AXES_CLIENT_IP_CALLABLE = "dangjian.core.net.client_ip"
AXES_FAILURE_LIMIT = env_int("DANGJIAN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("DANGJIAN_LOGIN_COOLOFF_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
# Lockout is by username on purpose: offices share one NAT address, so locking an IP locks the office.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Passwords expire after this many days (a forced change); the last PASSWORD_HISTORY may not be reused.
PASSWORD_MAX_AGE_DAYS = env_int("DANGJIAN_PASSWORD_MAX_AGE_DAYS", 90, minimum=1)
PASSWORD_HISTORY = env_int("DANGJIAN_PASSWORD_HISTORY", 5, minimum=1)
# API tokens expire after this many days unless issued with a shorter life.
API_TOKEN_DAYS = env_int("DANGJIAN_API_TOKEN_DAYS", 180, minimum=1)
# The second factor (TOTP) is required of the administrator duties, zone admins and pii.reveal holders;
# this zone-wide switch requires it of everyone.
OTP_REQUIRED_FOR_ALL = env_bool("DANGJIAN_2FA_FOR_EVERYONE", False)
OTP_TOTP_ISSUER = "党建工作平台"
# Off only in tests that are not about the login policy (see conftest.py).
LOGIN_POLICY_ENFORCED = True

# Sessions live in the database every app server shares, not in the cache: ending a user's sessions
# (accounts.services.end_sessions_of, on disabling an account) deletes their rows, which a cached copy
# would outlive.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT_MINUTES = env_int("DANGJIAN_IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = env_int("DANGJIAN_SESSION_MAX_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The interface is zh-hans whatever the browser's Accept-Language says (an office PC set to English
# must still read 2024年3月20日 and Django's own messages in Chinese): no LocaleMiddleware, and
# Chinese is the one language offered. Strings stay marked for translation for the day one is added.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our zh-hans input formats put ISO first: a date widget is filled with the first one, and the
# browser's <input type="date"> shows anything but YYYY-MM-DD as blank (config/formats/zh_Hans).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads and job output go through Django's storage API: the media folder by default, an
# S3-compatible store (MinIO) when DANGJIAN_S3_BUCKET is set (pip install '.[s3]'), which several
# stateless app servers can share. Files are encrypted before they reach either.
if env_str("DANGJIAN_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("DANGJIAN_S3_BUCKET"),
            "endpoint_url": env_str("DANGJIAN_S3_ENDPOINT_URL"),
            "access_key": env_str("DANGJIAN_S3_ACCESS_KEY"),
            "secret_key": env_str("DANGJIAN_S3_SECRET_KEY"),
            "region_name": env_str("DANGJIAN_S3_REGION"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
MEDIA_ROOT = Path(env_str("DANGJIAN_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# A long text (minutes, an agenda, a report) holds at most this many characters; the form says so
# by name and keeps the text (core.forms). The request limit below is set from it.
LONG_TEXT_MAX_CHARS = env_int("DANGJIAN_LONG_TEXT_MAX_CHARS", 50_000, minimum=1000)
# A form's body (files apart) may carry several long texts, each up to 9 bytes a character once
# URL-encoded (a CJK character is 3 bytes of UTF-8, each written %XX), and a pasted text over the
# limit must still reach the form to be refused with its message: four times that, and at least
# 10 MB. Beyond it Django answers 413 with our Chinese page (core.views.bad_request).
DATA_UPLOAD_MAX_MEMORY_SIZE = max(
    env_int("DANGJIAN_REQUEST_MAX_MB", 10, minimum=1) * 1024 * 1024, 4 * 9 * LONG_TEXT_MAX_CHARS
)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DANGJIAN_REQUEST_MAX_FIELDS", 5000, minimum=1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("DANGJIAN_IMPORT_MAX_MB", 20, minimum=1) * 1024 * 1024
# Spreadsheets are read as a stream under these caps (core/sheets.py): a small file can unpack to
# hundreds of MB or millions of rows, and a worker's memory must not follow it.
# How a roster commit writes: "auto" stages new rows in short transactions before a short switch on
# SQLite (one writer at a time) and writes in one transaction on PostgreSQL; "always" / "never".
IMPORT_STAGED_COMMIT = env_str("DANGJIAN_IMPORT_STAGED_COMMIT") or "auto"
if IMPORT_STAGED_COMMIT not in ("auto", "always", "never"):
    raise ImproperlyConfigured("DANGJIAN_IMPORT_STAGED_COMMIT: use auto, always or never")
IMPORT_MAX_ROWS = env_int("DANGJIAN_IMPORT_MAX_ROWS", 50_000, minimum=10)
IMPORT_MAX_COLUMNS = env_int("DANGJIAN_IMPORT_MAX_COLUMNS", 100, minimum=5)
IMPORT_MAX_CELL_CHARS = env_int("DANGJIAN_IMPORT_MAX_CELL_CHARS", 2_000, minimum=100)
# All of an xlsx's shared strings together (they are held in memory while its rows stream).
IMPORT_MAX_SHARED_CHARS = env_int("DANGJIAN_IMPORT_MAX_SHARED_CHARS", 20_000_000, minimum=10_000)
PHOTO_MAX_BYTES = env_int("DANGJIAN_PHOTO_MAX_MB", 8, minimum=1) * 1024 * 1024
# A 1-bit 30000×30000 PNG is 109 KB on disk and gigabytes in memory: cap the pixels, not just the bytes.
PHOTO_MAX_PIXELS = env_int("DANGJIAN_PHOTO_MAX_MEGAPIXELS", 40, minimum=1) * 1_000_000
# Local rules of organizational life (DOMAIN.md, configurable): a 主题党日 shorter than this does not
# count toward the monthly requirement (a common local rule: at least 80 minutes).
THEME_DAY_MIN_MINUTES = env_int("DANGJIAN_THEME_DAY_MIN_MINUTES", 80)
# Six consecutive months without dues or organizational life is flagged (党章 Article 9).
LAPSE_MONTHS = env_int("DANGJIAN_LAPSE_MONTHS", 6, minimum=1)
EVIDENCE_MAX_BYTES = env_int("DANGJIAN_EVIDENCE_MAX_MB", 10, minimum=1) * 1024 * 1024

# The year pages open on when none is asked for (0: the current year). `make run` sets 2023, the demo's.
DANGJIAN_DEFAULT_YEAR = env_int("DANGJIAN_DEFAULT_YEAR", 0)

# Residents' public request page and API (casework): attempts per client address per window, and
# failed look-ups per tracking code; X-Forwarded-For is believed only from these proxies (IPs or CIDRs).
DANGJIAN_TRUSTED_PROXIES = env_list("DANGJIAN_TRUSTED_PROXIES", [])
DANGJIAN_PUBLIC_SUBMIT_LIMIT = env_int("DANGJIAN_PUBLIC_SUBMIT_LIMIT", 5)
DANGJIAN_PUBLIC_SUBMIT_WINDOW = env_int("DANGJIAN_PUBLIC_SUBMIT_WINDOW_SECONDS", 3600, minimum=1)
DANGJIAN_PUBLIC_LOOKUP_LIMIT = env_int("DANGJIAN_PUBLIC_LOOKUP_LIMIT", 30)
DANGJIAN_PUBLIC_LOOKUP_WINDOW = env_int("DANGJIAN_PUBLIC_LOOKUP_WINDOW_SECONDS", 600, minimum=1)
DANGJIAN_PUBLIC_CODE_FAILURES = env_int("DANGJIAN_PUBLIC_CODE_FAILURES", 10)
DANGJIAN_PUBLIC_CODE_WINDOW = env_int("DANGJIAN_PUBLIC_CODE_WINDOW_SECONDS", 3600, minimum=1)
for _proxy in DANGJIAN_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DANGJIAN_TRUSTED_PROXIES holds {_proxy!r}, not an address or network"
        ) from None
# 一定三诺两评: how members' and residents' votes combine with the organization's evaluation.
_vote_percent = env_int("DANGJIAN_EVAL_VOTE_PERCENT", 60)
if _vote_percent > 100:
    raise ImproperlyConfigured("DANGJIAN_EVAL_VOTE_PERCENT must be at most 100")
DANGJIAN_EVALUATION_RULE: dict[str, Any] = {
    "vote_weight": _vote_percent / 100,  # the rest is the organization's evaluation
    "fairly_points": 60,  # 满意 counts 100, 基本满意 this, 不满意 0
    "warning_share": env_int("DANGJIAN_EVAL_WARNING_PERCENT", 30, minimum=1) / 100,  # → 诫勉谈话
    "grades": [(90, "优秀"), (75, "良好"), (60, "合格"), (0, "不合格")],
}

# The zone whose demo data `seed_demo` builds and whose code the year summary defaults to.
DANGJIAN_ZONE_CODE = env_str("DANGJIAN_ZONE_CODE", "SFQ")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}
