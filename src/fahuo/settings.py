"""Django settings for fahuo. Everything a deployment changes comes from FAHUO_* environment variables."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import tempfile
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FAHUO_DATA_DIR") or "var").resolve()
if "pytest" in sys.modules and os.environ.get("PYTEST_XDIST_WORKER"):
    # `pytest -n auto`: each worker its own data dir (keys, generated PDFs named by row id, uploads).
    DATA_DIR = DATA_DIR / os.environ["PYTEST_XDIST_WORKER"]
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _persistent_secret(name: str, env: str) -> str:
    """A secret from the environment, else one generated once and kept in the data dir."""
    if os.environ.get(env):
        return os.environ[env]
    path = DATA_DIR / name
    if not path.exists():
        # Written aside and linked into place: two processes starting at once keep one secret.
        fd, tmp = tempfile.mkstemp(dir=DATA_DIR, prefix=f".{name}.")
        try:
            os.write(fd, secrets.token_urlsafe(48).encode())
            os.close(fd)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


SECRET_KEY = _persistent_secret("secret.key", "FAHUO_SECRET_KEY")
# Key for personal-data field encryption; losing it loses the encrypted names/phones/addresses.
FAHUO_FIELD_KEY = _persistent_secret("field.key", "FAHUO_FIELD_KEY")

DEBUG = os.environ.get("FAHUO_DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("FAHUO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [f"http://{h}:8000" for h in ("127.0.0.1", "localhost")]
# Where buyers and sellers reach this desk (links in buyer messages, Kuaidi100 callbacks); empty:
# `fahuo serve` / `fahuo demo` derive it from the address and port they serve on.
FAHUO_PUBLIC_URL = os.environ.get("FAHUO_PUBLIC_URL", "").rstrip("/")
if FAHUO_PUBLIC_URL.startswith(("http://", "https://")):
    CSRF_TRUSTED_ORIGINS.append("/".join(FAHUO_PUBLIC_URL.split("/")[:3]))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",  # its templates and static files: /api/docs serves Swagger UI locally, never from a CDN
    "fahuo.integrations.credentials",
    "fahuo.accounts",
    "fahuo.catalog",
    "fahuo.inventory",
    "fahuo.orders",
    "fahuo.carriers",
    "fahuo.fulfilment",
    "fahuo.routing",
    "fahuo.tracking",
    "fahuo.livestream",
    "fahuo.notify",
    "fahuo.contracts",
    "fahuo.aftersales",
    "fahuo.setup",
    "fahuo.desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fahuo.kit.web.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fahuo.desk.locale.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fahuo.setup.middleware.FirstRunMiddleware",
    "fahuo.accounts.middleware.RequestIpMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fahuo.desk.security.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "fahuo.urls"
WSGI_APPLICATION = "fahuo.wsgi.application"

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
                "django.template.context_processors.i18n",
                "fahuo.desk.context.desk",
            ],
        },
    }
]

_db_url = os.environ.get("FAHUO_DATABASE_URL", "")


def _private_file(path: Path) -> str:
    """Create ``path`` empty with mode 0600 unless it exists (an empty file is an empty SQLite
    database): SQLite would create it 0644, readable by every local user, and its -wal/-shm files
    take the database file's mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return str(path)


if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _private_file(DATA_DIR / "fahuo.sqlite3"),
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE avoids
                # "database is locked" upgrade deadlocks between two writers.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
                    " PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": os.environ.get("FAHUO_TEST_SQLITE", "")}
            if os.environ.get("FAHUO_TEST_SQLITE")
            else {},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (fahuo.accounts.throttle): wrong passwords per user name / per address, then locked.
FAHUO_LOGIN_MAX_FAILURES = int(os.environ.get("FAHUO_LOGIN_MAX_FAILURES", "5"))
FAHUO_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("FAHUO_LOGIN_MAX_FAILURES_PER_IP", "30"))
FAHUO_LOGIN_LOCK_MINUTES = int(os.environ.get("FAHUO_LOGIN_LOCK_MINUTES", "15"))
# Sessions end after a working day; over HTTPS (FAHUO_SECURE_COOKIES=1 behind a TLS proxy that sets
# X-Forwarded-Proto) cookies are sent on HTTPS only.
SESSION_COOKIE_AGE = int(float(os.environ.get("FAHUO_SESSION_HOURS", "12")) * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
FAHUO_SECURE_COOKIES = os.environ.get("FAHUO_SECURE_COOKIES", "0") == "1"
if FAHUO_SECURE_COOKIES:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("FAHUO_HSTS_SECONDS", "0"))
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing one (files come from the finders)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG  # re-scanning the files on every request is for development only
MEDIA_ROOT = DATA_DIR / "files"
FAHUO_OUTPUT_DIR = DATA_DIR / "output"

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Spreadsheet uploads (orders, rate cards): size and rows, checked by fahuo.kit.sheets before reading.
FAHUO_MAX_UPLOAD_MB = int(os.environ.get("FAHUO_MAX_UPLOAD_MB", "50"))
FAHUO_MAX_IMPORT_ROWS = int(os.environ.get("FAHUO_MAX_IMPORT_ROWS", "200000"))

# Huey: SQLite in the data dir by default, Redis when FAHUO_REDIS_URL is set.
_redis_url = os.environ.get("FAHUO_REDIS_URL", "")
_TESTING = "pytest" in sys.modules
HUEY: dict[str, object]
if _redis_url:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("FAHUO_HUEY_NAME", "fahuo"),
        "url": _redis_url,
        "immediate": os.environ.get("FAHUO_HUEY_IMMEDIATE", "0") == "1",
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "fahuo",
        "filename": _private_file(DATA_DIR / "huey.sqlite3"),
        # Under pytest tasks run inline unless a test opts into a real queue.
        "immediate": os.environ.get("FAHUO_HUEY_IMMEDIATE", "1" if _TESTING else "0") == "1",
    }

# The shared cache (login throttling counts, seen by every web process): Redis when configured,
# else files in the data dir; per process under pytest, cleared before each test (root conftest).
CACHES: dict[str, dict[str, object]]
if _TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif _redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Mobile numbers are masked in every line (searches carry them in query strings).
    "filters": {"scrub_phones": {"()": "fahuo.kit.logscrub.ScrubPhones"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["scrub_phones"]}},
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": os.environ.get("FAHUO_LOG_LEVEL", "WARNING")},
}
FAHUO_PHONE_SEARCHES_PER_HOUR = int(os.environ.get("FAHUO_PHONE_SEARCHES_PER_HOUR", "30"))
