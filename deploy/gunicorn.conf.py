"""gunicorn in the scaled stack (the Dockerfile's CMD: `gunicorn -c deploy/gunicorn.conf.py`).

It runs behind nginx (deploy/nginx/nginx.conf), which reads every request whole
before passing it on, so plain sync workers suffice: a slow client holds an
nginx connection, not a worker. Each value can be changed from the environment.
"""
import os

# Inside the stack only: docker-compose.yml publishes the proxy's port, not this one.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, two per core of a small 2-core host (bench/run.py measured 4 best there);
# GUNICORN_THREADS > 1 switches to threaded workers, which reuse nginx's idle upstream connections.
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 75  # longer than nginx keeps an idle upstream connection (60 s): nginx closes first
# X-Forwarded-Proto and friends are believed only from the proxy's address (docker-compose.yml
# gives it a fixed one), never from '*': anyone else reaching gunicorn cannot claim HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The heartbeat file on memory, not on the container's overlay disk (a slow disk looks like a hung worker).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log (the benchmark)


def post_worker_init(worker):
    """Load the search index and the rest before the first request, then freeze them out of the GC (storefront/warmup.py)."""
    from storefront.warmup import warm_worker

    warm_worker()
