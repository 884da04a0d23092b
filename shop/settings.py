"""Settings, read once from the environment.

Every default runs with no service at all (SQLite, embedded search, inline
tasks, local files, console e-mail), so `make run` works on a bare laptop;
the scaled stack switches each piece on by setting one variable.
"""
import datetime
import hashlib
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key is only ever used with DEBUG on; production must set its own.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")


def site_url(environ) -> str:
    """The public origin printed into QR codes and links (GS1 Digital Link needs an absolute URI):
    SITE_URL when set, else http://HOST:PORT of the development server (`make run HOST=… PORT=…`
    passes them; 127.0.0.1 and 8000 by default). A wildcard HOST (0.0.0.0, ::) becomes 127.0.0.1."""
    explicit = (environ.get("SITE_URL") or "").strip()
    if explicit:
        return explicit.rstrip("/")
    host = (environ.get("HOST") or "").strip() or "127.0.0.1"
    port = (environ.get("PORT") or "").strip() or "8000"
    if host in {"0.0.0.0", "::", "[::]"}:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}" + ("" if port == "80" else f":{port}")


SITE_URL = site_url(os.environ)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "graphene_django",
    "axes",
    "shop",
    "catalog",
    "inventory",
    "search",
    "orders",
    "traceability",
    "producers",
    "storefront",
]

MIDDLEWARE = [
    "shop.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "shop.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

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
            ],
        },
    }
]


def database(url: str) -> dict:
    """One database alias from its URL (DATABASE_URL, DATABASE_REPLICA_URL)."""
    db = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
    if db["ENGINE"].endswith("sqlite3"):
        db["ENGINE"] = "shop.db.sqlite3"  # flushes the stock ledger last (shop/db/sqlite3/base.py)
        (BASE_DIR / "var").mkdir(exist_ok=True)
        # WAL lets the dev server read while a command writes; a busy timeout
        # turns short lock waits into waits instead of "database is locked".
        db["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
        db["CONN_MAX_AGE"] = 0
    return db


DATABASES = {"default": database(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"))}
# Past one machine (docs/scaling.md). A read replica: anonymous GET pages read the catalogue,
# search and traceability from it (shop/db/router.py, shop/db/middleware.py); tests see one database.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["shop.db.router.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                      "shop.db.middleware.ReplicaReadsMiddleware")  # the bearer token's goes in between, below
# Requests under these paths read the primary whatever their method; after a request that could
# write, the same browser reads the primary this many seconds (read-your-writes on a lagging replica).
DATABASE_PRIMARY_PATHS = env_list(
    "DATABASE_PRIMARY_PATHS",
    "/admin/,/staff/,/en/staff/,/producer/,/en/producer/,/gio-hang/,/en/cart/,/thanh-toan/,/en/checkout/,"
    "/don-hang/,/en/orders/,/tra-cuu-don-hang/,/en/order-lookup/",
)
DATABASE_REPLICA_STICKY_SECONDS = int(os.environ.get("DATABASE_REPLICA_STICKY_SECONDS", "5"))
# Behind PgBouncer in transaction pooling mode (DATABASE_POOLER=transaction) a client's statements
# may run on a different server connection in each transaction, so nothing may outlive one:
# no server-side cursors (.iterator() would DECLARE a cursor on one connection and FETCH on another)
# and no server-side prepared statements (psycopg prepares a query after 5 runs by default; Django
# already turns that off, this keeps it off). Session pooling (or none) needs neither.
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "").strip().lower()
if DATABASE_POOLER not in ("", "none", "session", "transaction"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_POOLER is one of: transaction, session, none.")
if DATABASE_POOLER == "transaction":
    for _db in DATABASES.values():
        if _db["ENGINE"] == "django.db.backends.postgresql":
            _db["DISABLE_SERVER_SIDE_CURSORS"] = True
            _db["OPTIONS"] = {**_db.get("OPTIONS", {}), "prepare_threshold": None}
    del _db

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "storefront" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Day-first date input in Vietnamese (05/12/2026), in the admin's date widgets too (shop/formats/vi).
FORMAT_MODULE_PATH = ["shop.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))  # the benchmark collects into its own
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing folder
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OCOP Điện Biên <shop@ocop-dienbien.example>")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = os.environ.get("REDIS_URL", "")
# Anonymous catalogue queries of the GraphQL API are answered from each web
# process's cache this long at most (shop/graphql/public_cache.py); 0 turns it off.
GRAPHQL_PUBLIC_CACHE_SECONDS = int(os.environ.get("GRAPHQL_PUBLIC_CACHE_SECONDS", "10"))
# A product page's catalogue facts (not its stock or sale holds) are kept by each
# process this long at most (storefront/selectors.py); 0 turns it off.
STOREFRONT_PRODUCT_CACHE_SECONDS = int(os.environ.get("STOREFRONT_PRODUCT_CACHE_SECONDS", "10"))

# Celery (shop/celery.py, shop/tasks.py): inline without a broker.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULE = {
    # Task names, not imports: each app defines its tasks in its tasks.py.
    "search-sweep": {"task": "search.tasks.sweep_search_index", "schedule": 60.0},
    "release-expired-reservations": {"task": "orders.tasks.release_expired_reservations", "schedule": 60.0},
    "release-expired-holds": {"task": "orders.tasks.release_expired_holds", "schedule": 600.0},
    "certificate-expiry-notices": {"task": "catalog.tasks.notify_expiring_certificates", "schedule": 24 * 3600.0},
    # 90 and 30 days before a certificate expires: its producer and the province (once each).
    "producer-certificate-reminders": {"task": "producers.tasks.send_certificate_reminders", "schedule": 24 * 3600.0},
    # Scans flush themselves about a second after they are buffered; this catches a lost flush.
    "trace-scan-flush": {"task": "traceability.tasks.flush_scans", "schedule": 15.0},
}

GRAPHENE = {
    "SCHEMA": "shop.schema.schema",
    "ATOMIC_MUTATIONS": False,
    # No field middleware, also with DEBUG (graphene-django would add its debug middleware, which
    # wraps every field of every answer and only serves a `_debug` field this schema does not have).
    "MIDDLEWARE": [],
}
# Abuse limits of the GraphQL endpoint (see shop/graphql/limits.py).
GRAPHQL_MAX_PAGE_SIZE = 100
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "10"))
GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", "10000"))
# Root fields per operation, and times one field may be asked in one selection set (aliases included).
GRAPHQL_MAX_ROOT_FIELDS = int(os.environ.get("GRAPHQL_MAX_ROOT_FIELDS", "10"))
GRAPHQL_MAX_FIELD_REPEATS = int(os.environ.get("GRAPHQL_MAX_FIELD_REPEATS", "10"))
# The query text is refused before parsing past this length, and the parser stops past this many tokens.
GRAPHQL_MAX_QUERY_CHARS = int(os.environ.get("GRAPHQL_MAX_QUERY_CHARS", "10000"))
GRAPHQL_MAX_TOKENS = int(os.environ.get("GRAPHQL_MAX_TOKENS", "1000"))
# A request body past this is refused unread (413); JSON (variables) nested deeper than this is refused.
GRAPHQL_MAX_BODY_BYTES = int(os.environ.get("GRAPHQL_MAX_BODY_BYTES", "65536"))
GRAPHQL_MAX_INPUT_DEPTH = int(os.environ.get("GRAPHQL_MAX_INPUT_DEPTH", "16"))
# Schema introspection (__schema, __type): on with DEBUG, off in production unless set to 1.
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", DEBUG)

# Images: what an upload may be (catalog/images.py).
IMAGE_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 10_000
IMAGE_RENDITION_WIDTHS = (160, 320, 640, 1280)

# OCOP rules (catalog/certification.py).
OCOP_VALIDITY_MONTHS = 36
OCOP_EXPIRING_WITHIN_DAYS = 90

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")

# The client's address (shop/net.py): behind the scaled stack's proxy, the right-most
# TRUSTED_PROXY_HOPS entries of X-Forwarded-For were written by our own proxies.
# Off by default: without a proxy the header is the client's own word.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", env_bool("TRACE_TRUST_X_FORWARDED_FOR", False))
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "1"))

# --- Production hardening (`manage.py check --deploy` is clean with DEBUG=0) ---
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP inside the network
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
X_FRAME_OPTIONS = "DENY"
# Stripe Elements needs its script, its frames and its API; nothing else is third-party.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self' https://js.stripe.com",
    "frame-src": "https://js.stripe.com https://hooks.stripe.com",
    "connect-src": "'self' https://api.stripe.com",
    "img-src": "'self' data: https://*.stripe.com",
    "style-src": "'self' 'unsafe-inline'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
if not DEBUG and SECRET_KEY.startswith("dev-only-"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY (a long random string) when DEBUG is off.")

# Media on local disk by default; S3-compatible storage when a bucket is named
# (needs the `s3` extra: pip install -e '.[s3]').
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "querystring_auth": False,
        },
    }

LOGIN_URL = "/admin/login/"

LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shop.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "shop.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Traceability (traceability/codes.py, scans.py, verdicts.py).
# Keys that sign serial and lot codes: the first signs, every one verifies, so
# a key is rotated by putting a new one first and keeping the old ones after it.
# Derived from SECRET_KEY with DEBUG only; with DEBUG=0 they must be set (check shop.E001,
# shop/checks.py), or rotating SECRET_KEY would make every printed serial "not found".
TRACE_SIGNING_KEYS = env_list("TRACE_SIGNING_KEYS", "") or (
    [hashlib.sha256(f"trace-signing:{SECRET_KEY}".encode()).hexdigest()] if DEBUG else [])
# Salt of the daily client-address hash stored with scans (never the raw IP).
TRACE_CLIENT_SALT = os.environ.get("TRACE_CLIENT_SALT", f"trace-client:{SECRET_KEY}")
# SUSPICIOUS: a serial scanned this many times before within the window …
TRACE_SUSPICIOUS_SCANS = int(os.environ.get("TRACE_SUSPICIOUS_SCANS", "10"))
TRACE_SUSPICIOUS_WINDOW_HOURS = int(os.environ.get("TRACE_SUSPICIOUS_WINDOW_HOURS", "72"))
# … or in places this far apart within this many hours …
TRACE_FAR_APART_KM = int(os.environ.get("TRACE_FAR_APART_KM", "100"))
TRACE_FAR_APART_HOURS = int(os.environ.get("TRACE_FAR_APART_HOURS", "12"))
# … or a lot-level code scanned more often than this many times its quantity (1: more scans than packs,
# the same line the trace page's lot note draws).
TRACE_LOT_SCANS_PER_UNIT = int(os.environ.get("TRACE_LOT_SCANS_PER_UNIT", "1"))
# Producers may print labels of GS1's demonstration prefix 952 from the portal: on with DEBUG,
# or on a public demo site (DEBUG=0) that says so. Never on a shop selling real goods.
PRODUCER_LABELS_DEMO = env_bool("PRODUCER_LABELS_DEMO", False)
# Scan log caps: a repeat of the same code by the same client within these
# minutes is the same scan; past MAX_ROWS rows per client per window, scans
# only raise a counter.
TRACE_SCAN_REPEAT_MINUTES = int(os.environ.get("TRACE_SCAN_REPEAT_MINUTES", "10"))
TRACE_SCAN_CLIENT_WINDOW_MINUTES = int(os.environ.get("TRACE_SCAN_CLIENT_WINDOW_MINUTES", "60"))
TRACE_SCAN_CLIENT_MAX_ROWS = int(os.environ.get("TRACE_SCAN_CLIENT_MAX_ROWS", "30"))
TRACE_REPORTS_PER_CLIENT_PER_DAY = int(os.environ.get("TRACE_REPORTS_PER_CLIENT_PER_DAY", "5"))
# The trace page's fast path (traceability/scans.py, lotcache.py), on when Redis is there:
# scans are buffered in Redis and written in bulk by a task about every
# TRACE_SCAN_FLUSH_SECONDS (so another visitor's scan shows in the verdict that
# much later; the same visitor's repeat at once), lot-level scan counts are Redis
# counters, and lot-level codes are resolved from a cache that every change to a
# lot, its events, product or certificates retires at once.
TRACE_SCAN_BUFFER = env_bool("TRACE_SCAN_BUFFER", bool(REDIS_URL))
TRACE_SCAN_FLUSH_SECONDS = float(os.environ.get("TRACE_SCAN_FLUSH_SECONDS", "1"))
# Lot-level scans are counted in each process and sent to Redis in batches this often
# (traceability/tally.py: no round trip per scan; counts up to that much stale across
# processes); 0 asks Redis on every scan (exact). The sender is a thread of each process.
TRACE_SCAN_BATCH_SECONDS = float(os.environ.get("TRACE_SCAN_BATCH_SECONDS", "0.25"))
TRACE_SCAN_SEND_THREAD = env_bool("TRACE_SCAN_SEND_THREAD", True)
TRACE_CACHE_LOTS = env_bool("TRACE_CACHE_LOTS", bool(REDIS_URL))
TRACE_REDIS_RETRY_AFTER = float(os.environ.get("TRACE_REDIS_RETRY_AFTER", "10"))  # seconds without Redis after a failure
# The shop's own EPCIS vocabulary (the harvesting bizStep, extension fields).
TRACE_VOCABULARY = os.environ.get("TRACE_VOCABULARY", "https://ocop-dienbien.example/voc/")

# Search (search/). Embedded (SQLite FTS5 / PostgreSQL pg_trgm) unless
# ELASTICSEARCH_URL is set; if Elasticsearch is unreachable or slower than the
# timeout, search answers from the embedded index and says so in the logs.
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "elasticsearch" if ELASTICSEARCH_URL else "embedded")
SEARCH_INDEX_ALIAS = os.environ.get("SEARCH_INDEX_ALIAS", "ocop-products")
SEARCH_ES_TIMEOUT = float(os.environ.get("SEARCH_ES_TIMEOUT", "0.5"))  # seconds, per request
SEARCH_ES_RETRY_AFTER = float(os.environ.get("SEARCH_ES_RETRY_AFTER", "30"))  # seconds without trying a failed server
SEARCH_CATCH_UP = env_bool("SEARCH_CATCH_UP", True)  # embedded: index dirty products before answering
SEARCH_CATCH_UP_LIMIT = 200
# Price bands of the search facet, in đồng: [lower, upper) pairs, None = open.
SEARCH_PRICE_BANDS = [(None, 100_000), (100_000, 200_000), (200_000, 500_000), (500_000, None)]

# Orders and payments (orders/, shop/auth.py).
# `Authorization: Bearer {token}` for API clients, read right after the session user.
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "shop.auth.BearerTokenMiddleware")
# Failed logins on /staff/login/, /admin/login/ and tokenCreate (shop/logins.py, django-axes):
# an account is locked after LOGIN_FAILURES_PER_ACCOUNT failures, a client address after
# LOGIN_FAILURES_PER_ADDRESS failures on any accounts, each for LOGIN_LOCKOUT_MINUTES.
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
# Axes' lockout check first (shop.logins.ShopAxesBackend is axes' AxesStandaloneBackend, also for Client.login()).
AUTHENTICATION_BACKENDS = ["shop.logins.ShopAxesBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# Failures are counted in Redis when REDIS_URL is set (cache alias "axes"), in the database otherwise.
if REDIS_URL:
    CACHES["axes"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                      "KEY_PREFIX": "logins", "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    AXES_CACHE = "axes"
AXES_HANDLER = "shop.logins.ShopAxesCacheHandler" if REDIS_URL else "shop.logins.ShopAxesHandler"
AXES_RESET_ON_SUCCESS = False  # a sign-in clears no counter: a sprayer cannot reset the address by using its own account
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks (shop.logins.LOCKOUT_PARAMETERS)
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_ACCOUNT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # guessing on does not lengthen a lockout forever
AXES_USERNAME_CALLABLE = "shop.logins.username_of"
AXES_CLIENT_IP_CALLABLE = "shop.logins.address_of"
AXES_LOCKOUT_CALLABLE = "shop.logins.lockout_response"
AXES_VERBOSE = False
API_TOKEN_LIFETIME_DAYS = int(os.environ.get("API_TOKEN_LIFETIME_DAYS", "90"))
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # e.g. a localstripe at http://127.0.0.1:8420
STRIPE_WEBHOOK_TOLERANCE_SECONDS = int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE_SECONDS", "300"))
# How long an unpaid card order holds its stock before release_expired_reservations frees it.
ORDER_RESERVATION_MINUTES = int(os.environ.get("ORDER_RESERVATION_MINUTES", "15"))
ORDER_MAX_LINE_QUANTITY = int(os.environ.get("ORDER_MAX_LINE_QUANTITY", "50"))
ORDER_MAX_LINES = int(os.environ.get("ORDER_MAX_LINES", "30"))
# Units in one order, all lines together (orders/checkout.py); larger orders go through a sales point.
ORDER_MAX_ORDER_QUANTITY = int(os.environ.get("ORDER_MAX_ORDER_QUANTITY", "100"))
# Open unpaid orders (cash not yet collected, card not yet paid) allowed at once per e-mail/phone,
# and per client address (orders/unpaid.py); 0 switches a limit off.
ORDER_MAX_OPEN_UNPAID_PER_CONTACT = int(os.environ.get("ORDER_MAX_OPEN_UNPAID_PER_CONTACT", "3"))
ORDER_MAX_OPEN_UNPAID_PER_CLIENT = int(os.environ.get("ORDER_MAX_OPEN_UNPAID_PER_CLIENT", "4"))
# Key of the client-address hash kept on an open unpaid order (never the raw IP: Decree 13/2023).
ORDER_CLIENT_SALT = os.environ.get("ORDER_CLIENT_SALT", f"order-client:{SECRET_KEY}")
# Unpaid holds: a pay-at-pickup order not collected by the end of the Nth day after it was placed,
# and a cash-on-delivery order not sent out by the end of the Mth day, is cancelled and its stock released.
ORDER_PICKUP_HOLD_DAYS = int(os.environ.get("ORDER_PICKUP_HOLD_DAYS", "3"))
ORDER_DELIVERY_HOLD_DAYS = int(os.environ.get("ORDER_DELIVERY_HOLD_DAYS", "7"))
# The most days staff may add to a hold in one extension.
ORDER_HOLD_EXTEND_MAX_DAYS = int(os.environ.get("ORDER_HOLD_EXTEND_MAX_DAYS", "14"))
ORDER_NUMBER_PREFIX = os.environ.get("ORDER_NUMBER_PREFIX", "DB")
# Bank transfer (VietQR; orders/bank_transfers.py): an order awaiting its transfer holds its stock
# this many hours, then is cancelled and the customer told.
ORDER_TRANSFER_HOLD_HOURS = int(os.environ.get("ORDER_TRANSFER_HOLD_HOURS", "24"))
# The bank-feed webhook (/webhooks/bank-transfer/, orders/bank_feeds.py) is refused unless one of
# these is set: the key sent as `Authorization: Apikey <key>` (SePay) or `Secure-Token: <key>`
# (Casso), and/or the secret of an HMAC-SHA256 signature (X-SePay-Signature over
# "<X-SePay-Timestamp>.<body>", the timestamp within BANK_WEBHOOK_TOLERANCE_SECONDS).
BANK_WEBHOOK_API_KEY = os.environ.get("BANK_WEBHOOK_API_KEY", "")
BANK_WEBHOOK_SECRET = os.environ.get("BANK_WEBHOOK_SECRET", "")
BANK_WEBHOOK_TOLERANCE_SECONDS = int(os.environ.get("BANK_WEBHOOK_TOLERANCE_SECONDS", "300"))
BANK_WEBHOOK_MAX_BYTES = int(os.environ.get("BANK_WEBHOOK_MAX_BYTES", str(256 * 1024)))
# Development only: accept unauthenticated bank-feed calls (ignored unless DEBUG is on).
BANK_WEBHOOK_ALLOW_UNAUTHENTICATED = env_bool("BANK_WEBHOOK_ALLOW_UNAUTHENTICATED", False)
# Customer e-mails one address may get in 24 hours, all orders together (orders/notifications.py):
# past it the mail is not sent and the order's log says so, so checkout cannot relay mail.
ORDER_EMAILS_PER_ADDRESS_PER_DAY = int(os.environ.get("ORDER_EMAILS_PER_ADDRESS_PER_DAY", "10"))
# Text messages to customers (orders/sms.py, docs/sms.md): the backend (console, file, or a provider's
# class), its options, the folder of the file backend, whether to send Vietnamese without marks (GSM-7,
# 160 characters a part), which orders get them ("all" with a phone, "without_email", "off"), and the
# cap per phone number in 24 hours, all orders together.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "orders.sms.ConsoleBackend")
SMS_OPTIONS: dict = {}
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", BASE_DIR / "var" / "sms"))
SMS_ASCII = env_bool("SMS_ASCII", True)
ORDER_SMS = os.environ.get("ORDER_SMS", "all")
ORDER_SMS_PER_PHONE_PER_DAY = int(os.environ.get("ORDER_SMS_PER_PHONE_PER_DAY", "8"))
# Order lookup by number and phone (/tra-cuu-don-hang/): failed tries allowed per client address and per
# order number within ORDER_LOOKUP_WINDOW_MINUTES, after which the page asks to wait.
ORDER_LOOKUP_FAILURES_PER_ADDRESS = int(os.environ.get("ORDER_LOOKUP_FAILURES_PER_ADDRESS", "10"))
ORDER_LOOKUP_FAILURES_PER_ORDER = int(os.environ.get("ORDER_LOOKUP_FAILURES_PER_ORDER", "5"))
ORDER_LOOKUP_WINDOW_MINUTES = int(os.environ.get("ORDER_LOOKUP_WINDOW_MINUTES", "15"))
# Delivery across Vietnam (orders/shipping.py; zones and brackets are rows province officers edit):
# the home province's GSO code, the packed weight of a variant without one, and the goods value from
# which delivery is free (0: never).
SHIPPING_HOME_PROVINCE = os.environ.get("SHIPPING_HOME_PROVINCE", "11")
SHIPPING_DEFAULT_GRAMS = int(os.environ.get("SHIPPING_DEFAULT_GRAMS", "500"))
SHIPPING_FREE_OVER_VND = int(os.environ.get("SHIPPING_FREE_OVER_VND", "1000000"))
# The sales points (codes, comma-separated) the province designates to send parcels outside the
# province; empty: the provincial centre does (orders/routing.py, "outside the province").
SHIPPING_NATIONWIDE_POINTS = [c.strip() for c in os.environ.get("SHIPPING_NATIONWIDE_POINTS", "").split(",") if c.strip()]
# Carrier backends (orders/carriers.py, docs/carriers.md): dotted paths of callables returning carriers;
# the default is the manual backend (staff type the carrier and tracking number at hand-over).
ORDER_CARRIERS = [p.strip() for p in os.environ.get("ORDER_CARRIERS", "orders.carriers.manual_carriers").split(",")
                  if p.strip()]

# Storefront (storefront/): the shopper pages.
STOREFRONT_PAGE_SIZE = int(os.environ.get("STOREFRONT_PAGE_SIZE", "24"))
# The pages remember the visitor's language for the pages outside /en/ (trace, order status).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
# Templates are compiled once per process outside DEBUG (with DEBUG, Django's
# default cached loader reloads changed files).
if not DEBUG:
    TEMPLATES[0]["APP_DIRS"] = False
    TEMPLATES[0]["OPTIONS"]["loaders"] = [
        ("django.template.loaders.cached.Loader", [
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ]),
    ]
# The storefront's Vietnamese pages sit at the root without a prefix; its
# LocaleMiddleware keeps /graphql/ and the trace pages negotiating their language.
MIDDLEWARE[MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware")] = "storefront.middleware.ShopLocaleMiddleware"
