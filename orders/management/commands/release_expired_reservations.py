"""Cancel unpaid orders whose hold on the stock ran out (card reservations and cash holds), and free the stock."""
from django.core.management.base import BaseCommand

from orders import services, unpaid


class Command(BaseCommand):
    help = (
        "Cancel card orders still unpaid after ORDER_RESERVATION_MINUTES (15 by default) and give their "
        "reserved units back to the sales points. Stripe is asked first whether a payment arrived late; "
        "--no-stripe skips that. Also cancels cash orders past their hold deadline (pay at pickup not collected "
        "within ORDER_PICKUP_HOLD_DAYS, cash on delivery not sent out within ORDER_DELIVERY_HOLD_DAYS). "
        "Safe to run at any time and as often as you like (also periodic tasks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-stripe", action="store_true", help="Do not ask Stripe before cancelling.")

    def handle(self, *args, no_stripe=False, **options):
        numbers = services.release_expired_reservations(check_stripe=not no_stripe)
        numbers += unpaid.release_expired_holds()
        if numbers:
            self.stdout.write(self.style.SUCCESS(f"Released {len(numbers)} order(s): {', '.join(numbers)}"))
        else:
            self.stdout.write("No expired reservations.")
