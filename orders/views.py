"""HTTP entry points of orders: the Stripe webhook."""
import logging

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders import payments

logger = logging.getLogger("orders.webhooks")
MAX_BODY = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Signature checked (forged, stale or from the future: 400, nothing changes); a signed payload that
    is not a well-formed event: 400; each event id processed once."""
    if len(request.body) > MAX_BODY:
        logger.warning("stripe webhook rejected: payload of %s bytes", len(request.body))
        return HttpResponseBadRequest("payload too large")
    try:
        outcome = payments.handle_webhook(request.body, request.headers.get("Stripe-Signature", ""))
    except payments.MalformedEvent as exc:
        logger.warning("stripe webhook rejected: malformed event: %s", exc)
        return HttpResponseBadRequest("malformed event")
    except payments.WebhookRejected as exc:
        logger.warning("stripe webhook rejected: %s", exc)
        return HttpResponseBadRequest("invalid signature")
    logger.info("stripe webhook: %s", outcome)
    return HttpResponse(outcome, content_type="text/plain")
