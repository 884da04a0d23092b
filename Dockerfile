# The shop's image for the scaled stack (docker-compose.yml): web, worker and beat.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 shop

WORKDIR /app

# Dependencies in their own layer: they change far less often than the code.
COPY pyproject.toml ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["scaled"]))
PY
RUN pip install -r /tmp/requirements.txt

COPY . .
RUN pip install --no-deps -e . \
    && DEBUG=0 SECRET_KEY=collectstatic-only TRACE_SIGNING_KEYS=collectstatic-only \
       python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R shop:shop /app/var

USER shop
# Reached only through the proxy (docker-compose.yml); workers, bind and the trusted
# proxy address are in deploy/gunicorn.conf.py. With DEBUG=0 it refuses to start
# without collected static files or TRACE_SIGNING_KEYS (shop/checks.py).
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "shop.wsgi:application"]
