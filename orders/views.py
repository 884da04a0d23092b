"""HTTP entry points of orders: the Stripe and bank-feed webhooks, and an order's VietQR image."""
import logging

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from orders import bank_feeds, bank_transfers, payments
from orders.models import Order

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


@csrf_exempt
@require_POST
def bank_transfer_webhook(request):
    """A bank feed's transaction(s): authenticated, each recorded once (orders/bank_feeds.py)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.BANK_WEBHOOK_MAX_BYTES or len(request.body) > settings.BANK_WEBHOOK_MAX_BYTES:
        logger.warning("bank webhook rejected: payload of %s bytes", declared or len(request.body))
        return JsonResponse({"success": False, "message": "Payload too large."}, status=413)
    status, answer = bank_feeds.handle(request.body, request.headers)
    return JsonResponse(answer, status=status)


@never_cache
@require_safe
def vietqr_png(request, token):
    """The VietQR code of an order awaiting its transfer, as a PNG (to save and open in a banking app);
    the order's secret token is the key, as for its status page."""
    order = Order.objects.filter(token=token).first()
    found = bank_transfers.instructions(order) if order is not None else None
    if found is None:
        raise Http404("no transfer awaited")
    response = HttpResponse(found.transfer.png(scale=8), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="vietqr-{order.number}.png"'
    return response
