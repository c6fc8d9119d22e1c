"""Every setting of the project, read from the environment through django-environ.

Each value has a safe local default so that README's first command runs with nothing
configured; the comment beside each one says what production (Render + Supabase) sets.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from botproject.db_pool import check_if_idle

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Render sets RENDER=true on every service; locally it is absent.
ON_RENDER = env.bool("RENDER", default=False)

# Production: DEBUG=false (it defaults to off on Render so a forgotten variable is safe).
DEBUG = env.bool("DEBUG", default=not ON_RENDER)

# Production: a long random value shared by web and worker (Render env var group).
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

# Production: the public host names, e.g. "myapp.onrender.com,bot.example.com".
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
if render_host := env.str("RENDER_EXTERNAL_HOSTNAME", default=""):
    ALLOWED_HOSTS.append(render_host)

# Production: "https://myapp.onrender.com" (scheme included).
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # daphne first: it makes `runserver` serve HTTP and websockets through ASGI.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # The REST API's per-user tokens (managed in the admin) and its OpenAPI schema and docs
    # page, with Swagger UI served from our own static files rather than a CDN.
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    # botproject before django_tasks_db: its `db_worker` (the backend's, plus a heartbeat)
    # must win, and Django gives a command name to the app listed first.
    "botproject",
    "django_tasks_db",
    "accounts",
    "conversations",
    "profiles",
    "webhooks",
]

MIDDLEWARE = [
    # First: the health check must answer whatever Host the platform's checker sends.
    "botproject.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The client address and channel that audit rows written during the request carry.
    "accounts.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

# Content-Security-Policy: only our own scripts, styles, images and sockets. Live updates
# insert server-rendered HTML, so markup that slipped through escaping still cannot run a
# script or load anything from elsewhere. No inline <script> or style="" anywhere: static
# files and classes (static/backoffice/). Same in every environment.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

ROOT_URLCONF = "botproject.urls"

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
                # "Replies paused: the worker is not running" on every admin page.
                "botproject.context_processors.worker_status",
            ],
        },
    },
]

WSGI_APPLICATION = "botproject.wsgi.application"
ASGI_APPLICATION = "botproject.asgi.application"

# Production: the Supabase session-pooler URL with ?sslmode=require.
# An empty DATABASE_URL counts as unset, so a blank variable falls back to SQLite too.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
# Database connections per process (PostgreSQL's pool), and as many threads serving HTTP in a
# web process (botproject/asgi.py), so that no request holds a thread waiting for a connection.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=8)
WEB_HTTP_THREADS = env.int("WEB_HTTP_THREADS", default=DB_POOL_MAX_SIZE)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI Django wants no persistent connections but psycopg's own pool instead;
    # the pool is per process, so web + worker sizes must fit Supabase's Pool Size.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        # Production (render.yaml): 4 in each of the 2 web processes, 4 in the worker, on a
        # Pool Size of 15.
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        # CONN_HEALTH_CHECKS' query on checkout, only for a connection idle this long.
        "check": check_if_idle(env.float("DB_POOL_CHECK_IDLE_SECONDS", default=5.0)),
    }
    # Supabase's transaction pooler (port 6543) hands each transaction to any server
    # connection: server-side cursors (WITH HOLD) break there. Detected from the port, or
    # forced with DB_TRANSACTION_POOLER. Django's psycopg backend already turns off
    # prepared statements, which that mode cannot keep either.
    DB_TRANSACTION_POOLER = env.bool(
        "DB_TRANSACTION_POOLER", default=str(DATABASES["default"].get("PORT")) == "6543"
    )
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DB_TRANSACTION_POOLER
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the task worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Media of WhatsApp messages (photos, voice notes, documents). Never served at a public URL:
# staff read them through a logged-in view. Production: MEDIA_STORAGE=s3 and a bucket of any
# S3-compatible store (Supabase Storage speaks S3; docs/deploy.md says how).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE not in {"local", "s3"}:
    raise ImproperlyConfigured("MEDIA_STORAGE must be 'local' or 's3'.")


def s3_media_storage(
    *,
    bucket: str,
    endpoint_url: str | None,
    region: str | None,
    access_key: str | None,
    secret_key: str | None,
) -> dict:
    """The default storage for MEDIA_STORAGE=s3; a function so tests build the same one."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            # Private objects: no ACL grants, never overwrite a customer's file by name.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            # An opened object is spooled to a temporary file past this size, not kept in
            # memory whole (the library's default keeps it all in memory).
            "max_memory_size": 2 * 1024 * 1024,
            # Supabase Storage needs path-style URLs (bucket in the path); AWS, R2 and MinIO
            # take them too.
            "addressing_style": "path",
            "signature_version": "s3v4",
        },
    }


if MEDIA_STORAGE == "s3":
    # Production: the Supabase Storage bucket, its S3 endpoint, region and access keys.
    # A bucket left blank in the Dashboard would only fail at the first photo: refuse now.
    if not env.str("MEDIA_S3_BUCKET", default="").strip():
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET (docs/deploy.md §5).")
    MEDIA_STORAGE_BACKEND = s3_media_storage(
        bucket=env.str("MEDIA_S3_BUCKET").strip(),
        endpoint_url=env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
        region=env.str("MEDIA_S3_REGION", default="") or None,
        access_key=env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
        secret_key=env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
    )
else:
    # Under MEDIA_ROOT (read when used, so tests can point it elsewhere).
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`, which only the production build runs.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

LOGIN_URL = "admin:login"

# HTTPS. Render terminates TLS and forwards X-Forwarded-Proto (the web server trusts
# Render's proxy headers: botproject/gunicorn_conf.py); with DEBUG off every request is
# redirected to HTTPS, cookies are secure and browsers are told to stay on HTTPS. /healthz
# is answered before this (see HealthCheckMiddleware): Render's checker calls it over plain
# HTTP from inside its network.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Production: a year. Preload only once every subdomain is served over HTTPS for good.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)

# Admin login throttling: after this many failed attempts for one username from one address,
# or from one address in all, within the window, further attempts from there are refused
# until it passes (accounts/throttle.py). A username alone is never locked.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
# Proxies in front of the app whose X-Forwarded-For entries are trusted for the client's
# address. Production (Render): 1. 0 = the TCP peer; the header is then ignored, as any
# client can type it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# The REST API (conversations/api/): requests per user (token) and per client address for
# anonymous callers, as DRF rates ("120/min", "5000/day").
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="120/min")
API_ANON_THROTTLE_RATE = env.str("API_ANON_THROTTLE_RATE", default="30/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["conversations.api.permissions.RolePermission"],
    "DEFAULT_THROTTLE_CLASSES": [
        "conversations.api.throttling.ApiUserThrottle",
        "conversations.api.throttling.ApiAnonThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "WhatsApp bot back office API",
    "DESCRIPTION": "Conversations, messages and lead profiles; replies to leads. "
    "Authenticate with `Authorization: Token <key>` (an Admin creates keys in the admin).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Production: the Render Key Value internal URL. Unset = in-process channel layer.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A dashboard waits on Redis in 5 s blocking reads (channels_redis); redis-py 8's
            # default 5 s socket timeout cut each one short, dropping every dashboard idle
            # for 5 s. The timeout must outlast the blocking read.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The cache holds login-failure counts: in Redis they are shared by every web process.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Live dashboards: events are kept this long for screens catching up after a reconnect.
LIVE_EVENTS_KEEP_HOURS = env.int("LIVE_EVENTS_KEEP_HOURS", default=24)
# Without Redis the worker's events cannot reach the web process through the channel layer,
# so dashboard connections poll the event table this often. With Redis events are pushed,
# and a slow poll only recovers one whose push failed (0 = never poll).
LIVE_EVENTS_POLL_SECONDS = env.float("LIVE_EVENTS_POLL_SECONDS", default=10.0 if REDIS_URL else 0.5)

# Background work: Django's task API, stored in the database and run by `db_worker`.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# Each `db_worker` writes a heartbeat this often (0 = none); the Operations page warns when no
# worker has reported for WORKER_STALE_SECONDS. Production: the defaults.
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=10.0)
WORKER_STALE_SECONDS = env.float("WORKER_STALE_SECONDS", default=60.0)
# Each worker sweeps for tasks a fault left behind (botproject/ops/recovery.py): a task RUNNING
# on a worker silent this long runs again; one failed for a passing cause (database, Redis,
# network) is retried, backoff doubling from the base, until tried the maximum number of times.
TASK_ORPHANED_AFTER_SECONDS = env.float("TASK_ORPHANED_AFTER_SECONDS", default=300.0)
TASK_RETRY_MAX_ATTEMPTS = env.int("TASK_RETRY_MAX_ATTEMPTS", default=5)
TASK_RETRY_BASE_SECONDS = env.float("TASK_RETRY_BASE_SECONDS", default=10.0)
# Lets a monitor read /ops/status.json with `Authorization: Bearer <OPS_TOKEN>`. Production: a
# long random value given only to the monitor; empty = token access off (staff Admins only).
OPS_TOKEN = env.str("OPS_TOKEN", default="")

# WhatsApp Cloud API. Production: the app secret, the verify token typed into Meta's
# dashboard, a system-user access token and the phone number id.
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
# Production: the WhatsApp Business Account id, whose message templates are synced from Meta.
WHATSAPP_BUSINESS_ACCOUNT_ID = env.str("WHATSAPP_BUSINESS_ACCOUNT_ID", default="")
# The simulator page (/simulator/): staff post signed, Meta-shaped webhooks to this install.
# Always on with DEBUG; production: off, or on for a demo install (console transport).
SIMULATOR_ENABLED = env.bool("SIMULATOR_ENABLED", default=False)
# Production: "graph". "console" only logs what would be sent.
WHATSAPP_TRANSPORT = env.str("WHATSAPP_TRANSPORT", default="console")
if WHATSAPP_TRANSPORT not in {"console", "graph"}:
    raise ImproperlyConfigured("WHATSAPP_TRANSPORT must be 'console' or 'graph'.")
# Meta's POSTs are at most 3 MB (batches of up to 1000 updates); anything larger is refused
# with 413. Django's own request-body cap follows, so the view sees the body to refuse it.
WHATSAPP_WEBHOOK_MAX_BYTES = env.int("WHATSAPP_WEBHOOK_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = WHATSAPP_WEBHOOK_MAX_BYTES
# The webhook's INSERTs are shared by the requests of the moment (webhooks/group_commit.py);
# a request waits this long for its row to commit before it fails (and Meta retries).
WEBHOOK_GROUP_COMMIT_TIMEOUT_SECONDS = env.float(
    "WEBHOOK_GROUP_COMMIT_TIMEOUT_SECONDS", default=20.0
)
# The events table is the processing queue (webhooks/queue.py): a worker leases an event for
# this long (one that dies mid-event gives it up when the lease passes), an event whose
# processing raises is retried with backoff doubling from the base, and fails after the last.
WEBHOOK_EVENT_LEASE_SECONDS = env.float("WEBHOOK_EVENT_LEASE_SECONDS", default=120.0)
WEBHOOK_EVENT_MAX_ATTEMPTS = env.int("WEBHOOK_EVENT_MAX_ATTEMPTS", default=6)
WEBHOOK_EVENT_RETRY_BASE_SECONDS = env.float("WEBHOOK_EVENT_RETRY_BASE_SECONDS", default=5.0)
WHATSAPP_GRAPH_URL = env.str(
    "WHATSAPP_GRAPH_URL", default="https://graph.facebook.com/v25.0"
).rstrip("/")

# Graph API timeouts in seconds: connecting, and waiting for Meta's answer.
WHATSAPP_CONNECT_TIMEOUT = env.float("WHATSAPP_CONNECT_TIMEOUT", default=5.0)
WHATSAPP_READ_TIMEOUT = env.float("WHATSAPP_READ_TIMEOUT", default=20.0)
# How many times a send, or a bot turn, is tried before it is marked failed for an agent.
WHATSAPP_SEND_MAX_ATTEMPTS = env.int("WHATSAPP_SEND_MAX_ATTEMPTS", default=5)
BOT_REPLY_MAX_ATTEMPTS = env.int("BOT_REPLY_MAX_ATTEMPTS", default=5)
# Backoff before the next try, doubled each time: sending after 429/5xx, and a bot turn whose
# brain failed (after the OpenAI client's own quick retries).
WHATSAPP_RETRY_BASE_SECONDS = env.float("WHATSAPP_RETRY_BASE_SECONDS", default=2.0)
BOT_RETRY_BASE_SECONDS = env.float("BOT_RETRY_BASE_SECONDS", default=15.0)
# After a send timed out (Meta may have accepted it), how long to wait for the status webhook
# that confirms it before sending again.
WHATSAPP_CONFIRM_WAIT_SECONDS = env.float("WHATSAPP_CONFIRM_WAIT_SECONDS", default=60.0)
# Inbound media (photos, voice notes, videos, documents, stickers) is downloaded by the worker
# from Meta into the storage above. Production: on. Tries of one download, with backoff.
WHATSAPP_MEDIA_DOWNLOAD = env.bool("WHATSAPP_MEDIA_DOWNLOAD", default=True)
WHATSAPP_MEDIA_MAX_ATTEMPTS = env.int("WHATSAPP_MEDIA_MAX_ATTEMPTS", default=5)
WHATSAPP_MEDIA_RETRY_BASE_SECONDS = env.float("WHATSAPP_MEDIA_RETRY_BASE_SECONDS", default=30.0)
# Follow-up of incomplete leads (off by default): a lead whose profile is incomplete and who
# has been silent this long gets the named approved utility template, once per silence.
FOLLOW_UP_ENABLED = env.bool("FOLLOW_UP_ENABLED", default=False)
FOLLOW_UP_AFTER_HOURS = env.float("FOLLOW_UP_AFTER_HOURS", default=24.0)
FOLLOW_UP_TEMPLATE = env.str("FOLLOW_UP_TEMPLATE", default="")
FOLLOW_UP_TEMPLATE_LANGUAGE = env.str("FOLLOW_UP_TEMPLATE_LANGUAGE", default="en_US")
# The bot's master switch. Production: on; off stores every message but the bot neither
# replies nor drafts (while a team sets up, or to measure ingest alone).
BOT_ENABLED = env.bool("BOT_ENABLED", default=True)
# Inbound messages arriving within this many seconds are answered together in one reply.
BOT_BURST_SECONDS = env.float("BOT_BURST_SECONDS", default=3.0)

# OpenAI. Production: the API key; unset = the offline rule-based brain.
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="") or None
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
# Per-request timeout and the client's own retries (with backoff) on timeouts, 429 and 5xx.
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", default=30.0)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=3)
BOT_BRAIN = "openai" if OPENAI_API_KEY else "offline"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default console handler on "django" (DEBUG only) would print every
        # django.* line, task states included, a second time beside the root handler.
        "django": {"handlers": []},
        "django.db.backends": {"level": "WARNING"},
        # daphne's runserver prints these itself; the root handler would print them twice.
        "django.channels.server": {"propagate": False},
        "django.utils.autoreload": {"propagate": False},
    },
}

# Errors to Sentry, off unless SENTRY_DSN is set. Production: the project's DSN; environment
# and release name the deploy (Render sets RENDER_GIT_COMMIT). No PII, locals, request bodies,
# secrets or message text is sent (botproject/sentry.py); sentry-sdk is imported only then.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str(
    "SENTRY_ENVIRONMENT", default="production" if ON_RENDER else "development"
)
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="") or env.str("RENDER_GIT_COMMIT", default="")
if SENTRY_DSN:
    from botproject.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=SENTRY_RELEASE or None)
