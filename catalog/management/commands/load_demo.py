from django.core.management.base import BaseCommand

from catalog.demo.loader import DEMO_DOMAIN, DEMO_PASSWORD, DemoLoader


class Command(BaseCommand):
    help = (
        "Load the demo shop: Điện Biên's real OCOP products, producers, districts and communes, "
        "with illustrative prices, stock, certificates dates and pictures drawn on the spot. "
        "Idempotent: run it as often as you like."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-images", action="store_true", help="skip drawing product pictures (faster)")

    def handle(self, *args, **options):
        summary = DemoLoader(with_images=not options["no_images"]).run()
        self.stdout.write(self.style.SUCCESS(f"Demo shop loaded ({summary or 'already up to date'})."))
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}): admin@{DEMO_DOMAIN}, tinh@{DEMO_DOMAIN}, "
                          f"muong-ang@{DEMO_DOMAIN} …")
