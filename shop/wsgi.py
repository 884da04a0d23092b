import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
application = get_wsgi_application()

from shop.checks import refuse_to_start_unready  # noqa: E402 - needs the settings loaded above

# With DEBUG=0: no collected static files or no signing keys is a clear refusal here, not a 500 per page.
refuse_to_start_unready()
