"""Cancel unpaid card orders whose stock reservation ran out, and free the stock."""
from django.core.management.base import BaseCommand

from orders import services


class Command(BaseCommand):
    help = (
        "Cancel card orders still unpaid after ORDER_RESERVATION_MINUTES (15 by default) and give their "
        "reserved units back to the sales points. Stripe is asked first whether a payment arrived late; "
        "--no-stripe skips that. Safe to run at any time and as often as you like (also a periodic task)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-stripe", action="store_true", help="Do not ask Stripe before cancelling.")

    def handle(self, *args, no_stripe=False, **options):
        numbers = services.release_expired_reservations(check_stripe=not no_stripe)
        if numbers:
            self.stdout.write(self.style.SUCCESS(f"Released {len(numbers)} order(s): {', '.join(numbers)}"))
        else:
            self.stdout.write("No expired reservations.")
