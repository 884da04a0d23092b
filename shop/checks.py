"""What a production (DEBUG=0) configuration must have before it serves anyone.

`trace_signing_keys` is a system check: `manage.py check --deploy`, migrate and
every other command that runs checks report it. `refuse_to_start_unready` runs
when the WSGI app loads (shop/wsgi.py: gunicorn, runserver), not in commands,
so `collectstatic` itself can still run on a fresh tree.
"""
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def trace_signing_keys(app_configs=None, **kwargs):
    """Printed QR serials are signed with these keys: deriving them from SECRET_KEY
    (the development default) would make every label "not found" once SECRET_KEY
    is rotated."""
    if settings.DEBUG or settings.TRACE_SIGNING_KEYS:
        return []
    return [checks.Error(
        "TRACE_SIGNING_KEYS is not set: the QR codes printed on labels cannot be signed or verified.",
        hint="Set TRACE_SIGNING_KEYS to a long random key (e.g. `python -c \"import secrets; "
             "print(secrets.token_urlsafe(32))\"`), independent of SECRET_KEY. To rotate it, put the new key "
             "first and keep the old ones after it, comma-separated.",
        id="shop.E001",
    )]


def refuse_to_start_unready() -> None:
    """Raise ImproperlyConfigured, before the first request, when DEBUG=0 would
    answer 500: static files not collected (the fingerprinted names come from
    WhiteNoise's manifest) or a failing system check of ours."""
    if settings.DEBUG:
        return
    problems = [f"{e.msg} {e.hint}" for e in trace_signing_keys()]
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = getattr(staticfiles_storage, "manifest_name", "")
    if manifest and not staticfiles_storage.exists(manifest):
        problems.append(f"Static files have not been collected into STATIC_ROOT ({settings.STATIC_ROOT}): run "
                        "`python manage.py collectstatic --noinput` before starting the server with DEBUG=0.")
    if problems:
        raise ImproperlyConfigured("The shop cannot start: " + " ".join(problems))
