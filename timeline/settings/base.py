"""The configuration shared by every settings module, read from the environment (12-factor) with
the small helpers below. It is the production configuration: anything not told otherwise is
secure, and only DEBUG=1 relaxes it. SQLite is the default so that one can check out the code and
it works.

`timeline.settings` (production.py) adds the refusal to start without a SECRET_KEY; pytest selects
`timeline.settings.test`, which changes what a test run needs and nothing else.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Files that every process of this installation shares on this machine, and nothing else: the
# export slots (timeline/exports.py) and the import progress (timeline/imports.py).
RUNTIME_DIR = Path(
    os.environ.get("RUNTIME_DIR")
    or Path(tempfile.gettempdir())
    / f"crisis-timeline-{hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:16]}"
)


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def envbool(name: str, default: bool = False) -> bool:
    """An unset or empty variable is the default; a value that is not a yes or a no is an error, so
    that a typo (DEBUG=ture) stops the start instead of quietly meaning False."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not understood: use one of {', '.join(TRUE_WORDS)} to "
        f"switch it on, or one of {', '.join(FALSE_WORDS)} to switch it off."
    )


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked for: a forgotten variable must not put a server in debug mode. `make run`
# sets DEBUG=1 for runserver.
DEBUG = envbool("DEBUG", False)

# Whether an empty key is refused or replaced is the settings module's decision (production.py,
# test.py).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Old keys still accepted for signatures while sessions roll over to a new SECRET_KEY.
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS", "")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # Editors' desk (issue 5): audit history, spreadsheet import/export, login lockout.
    "simple_history",
    "import_export",
    "axes",
    # Background jobs (large imports, timeline/imports.py): Django's tasks, kept in the database.
    "django_tasks_db",
    "timeline",
]

# Run by `manage.py db_worker`, which `make run` and `make serve` start themselves.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Live updates: a poll of an up-to-date page is a 304 after one query, before the rest.
    "timeline.live.UnchangedPollMiddleware",
    # Before WhiteNoise, so that static files get the Content-Security-Policy header too.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Event pictures under MEDIA_URL (file-system storage), answered like static files.
    "timeline.middleware.PictureFilesMiddleware",
    # Compresses public pages only (no CSRF token, no session: see the class); outside the
    # middleware below, so that it sees their cookies and the body as finally sent.
    "timeline.middleware.PublicCompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "timeline.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "timeline.middleware.EditorLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Editors' desk: records who made each change in the audit history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Editors' desk: django-axes wants to be last, so that it sees every login response.
    "axes.middleware.AxesMiddleware",
]

# bench/bench_timeline.py mounts a bare view beside the site through this; nothing else does.
ROOT_URLCONF = os.environ.get("ROOT_URLCONF", "timeline.urls")
WSGI_APPLICATION = "timeline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "timeline.context_processors.languages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share one file: readers must not wait for a writer (WAL), and a
    # writer waits for another rather than failing at once. The wait (the busy timeout) only
    # applies when a transaction takes the write lock as it begins: a deferred one that read
    # first and then writes is refused at once ("database is locked") to avoid a deadlock, so
    # every transaction begins IMMEDIATE.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 10,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
# Our own strings (Dutch is the source language, locale/en the English), then the Dutch that
# the third-party apps of the admin lack (locale-apps/nl, see its header).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-apps"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Hashed, compressed file names (cached for a year by browsers) whenever a server runs with DEBUG
# off; `make serve` collects them first. Tests and runserver use the source files as they are.


# -- Pictures (timeline/pictures.py) ----------------------------------------------------------
# An event's picture is stored through Django's storage API: files under MEDIA_ROOT by default
# (created on the first upload; served by timeline.views.picture_file, since whitenoise serves
# only static files), or an S3-compatible bucket with PICTURE_STORAGE=s3 (django-storages; its
# AWS_* variables below, credentials from the usual AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Checked before Pillow reads a byte of the upload, and the pixel count before it decodes any.
PICTURE_MAX_BYTES = envint("PICTURE_MAX_MB", 20) * 1024 * 1024
PICTURE_MAX_PIXELS = envint("PICTURE_MAX_MEGAPIXELS", 50) * 1_000_000
PICTURE_STORAGE = os.environ.get("PICTURE_STORAGE", "filesystem").strip().lower() or "filesystem"
# An upload larger than this is written to a temporary file instead of held in memory (Django's
# default, said here because pictures are the one large upload). File contents do not count
# towards DATA_UPLOAD_MAX_MEMORY_SIZE, so a 50 MB picture reaches the form, which refuses it in
# words, instead of a bare 400 page.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440


def picture_storage() -> tuple[dict, list[str]]:
    """STORAGES["default"] and the origins img-src must allow besides 'self'."""
    if PICTURE_STORAGE == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}, []
    if PICTURE_STORAGE != "s3":
        raise ImproperlyConfigured(f"PICTURE_STORAGE={PICTURE_STORAGE!r}: use filesystem or s3.")
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        raise ImproperlyConfigured("PICTURE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    domain = os.environ.get("AWS_S3_CUSTOM_DOMAIN", "")
    options = {
        "bucket_name": bucket,
        "location": os.environ.get("AWS_LOCATION", ""),
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "endpoint_url": endpoint or None,
        "custom_domain": domain or None,
        # Public, unsigned URLs: a signed one would expire inside a cached page.
        "querystring_auth": False,
        "default_acl": os.environ.get("AWS_DEFAULT_ACL") or None,
        # Content-hashed names never change content: the same year-long caching as the files.
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        "file_overwrite": True,
    }
    if domain:
        origin = f"https://{domain.split('/')[0]}"
    elif endpoint:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
    else:
        origin = f"https://{bucket}.s3.amazonaws.com"
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, [origin]


PICTURE_STORAGE_BACKEND, PICTURE_ORIGINS = picture_storage()


def static_storages(collected: bool) -> dict:
    return {
        "default": PICTURE_STORAGE_BACKEND,
        "staticfiles": {
            "BACKEND": (
                "whitenoise.storage.CompressedManifestStaticFilesStorage"
                if collected
                else "django.contrib.staticfiles.storage.StaticFilesStorage"
            )
        },
    }


STORAGES = static_storages(collected=not DEBUG)
WHITENOISE_USE_FINDERS = DEBUG


def whitenoise_security_headers(headers, path: str, url: str) -> None:
    """WhiteNoise answers before XFrameOptionsMiddleware runs; static files get it here."""
    headers["X-Frame-Options"] = "DENY"


WHITENOISE_ADD_HEADERS_FUNCTION = whitenoise_security_headers

X_FRAME_OPTIONS = "DENY"

# -- Editors' desk: login lockout (django-axes) ------------------------------------------------
# Axes must come first so that it can refuse a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock the combination: a colleague behind the same newsroom NAT keeps working, and an
# attacker cannot lock an editor out from elsewhere. Besides, one address that fails with many
# usernames (password spraying) is refused for every username once it reaches
# LOGIN_ADDRESS_FAILURE_LIMIT (timeline/lockout.py). A colleague with permission lifts a
# lockout in the admin (Axes > Access attempts) or with `manage.py axes_reset_username NAME`.
AXES_HANDLER = "timeline.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_RESET_ON_SUCCESS = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# -- Cache ---------------------------------------------------------------------------------------
# CACHE_URL (redis://, rediss://, file:///path, locmem://, dummy://) or REDIS_URL; local memory
# by default. Local memory is per process, which is right with several gunicorn workers too: the
# page cache keys on the data version in the database (timeline/cache.py), so an edit shows in
# every worker on its next request. Redis shares the cached pages between workers and machines.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 300)
# How often an open timeline page asks whether there is news (timeline/live.py).
LIVE_POLL_SECONDS = envint("LIVE_POLL_SECONDS", 20)
# How many uncached exports all server processes compute at once (timeline/exports.py). One: an
# export is CPU-bound for seconds, and on the 2-core machine two of them left the API 5 % of
# its throughput (bench/bench_jobs.py).
EXPORT_SLOTS = envint("EXPORT_SLOTS", 1)


def cache_from_url(url: str) -> dict:
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "crisis-timeline",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss", "unix"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A cache that is down makes pages slower, not a request hang (see timeline/cache.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    if parts.scheme == "file":
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": parts.path}
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": parts.netloc or "crisis-timeline"}
    if parts.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL: unknown cache scheme {parts.scheme!r} in {url!r}.")


def caches(fallback_url: str = "") -> dict:
    """CACHES from CACHE_URL or REDIS_URL, else from `fallback_url` (local memory when empty)."""
    url = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or fallback_url
    return {
        "default": {
            **cache_from_url(url),
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "crisis-timeline"),
        },
        # How far a background import has got, from inside its transaction (timeline/imports.py).
        "progress": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(RUNTIME_DIR / "import-progress"),
        },
    }


CACHES = caches()

# -- Security ------------------------------------------------------------------------------------
# Secure whenever DEBUG is off: `manage.py check --deploy` passes with only DEBUG=0, SECRET_KEY and
# ALLOWED_HOSTS set. The server is meant to sit behind a TLS-terminating proxy; BEHIND_PROXY=1
# trusts its X-Forwarded-Proto (and X-Forwarded-For for the login lockout).
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The login lockout keys on the reader's address (django-ipware, through axes). Each of
    # the PROXY_COUNT proxies in front appends the address it saw to X-Forwarded-For, after
    # whatever the client sent: the client is that many entries from the right, and entries
    # further left (anyone can send them) are ignored, not a reason to distrust the header.
    AXES_IPWARE_PROXY_COUNT = envint("PROXY_COUNT", 1) - 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    IPWARE_STRICT = False
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
# Sent on HTTPS responses only. A year, subdomains and preload as check --deploy asks; an operator
# whose other subdomains are not on HTTPS yet sets SECURE_HSTS_INCLUDE_SUBDOMAINS=0 (and
# SECURE_HSTS_PRELOAD=0) and accepts that check's warning.
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Django's own Content-Security-Policy (6.0+), in development too so that a violation shows up
# early: only this site's files, no inline script or style, no eval, never framed. No nonce, so
# that a page can be cached and served to anyone as it is. htmx is configured for this in
# templates/base.html (no eval, no injected indicator styles).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # Plus the picture bucket's origin when pictures are on S3 (PICTURE_ORIGINS above).
    "img-src": [CSP.SELF, *PICTURE_ORIGINS],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# -- Logging -------------------------------------------------------------------------------------
# Errors go to stderr (gunicorn's log) also with DEBUG off, where Django by default would only
# mail them to ADMINS.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING"),
                   "propagate": False},
    },
}
