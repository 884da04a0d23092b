"""E-mail the reminders due today: 90 and 30 days before a certificate expires, to the producer's
people and the province officers, once per certificate and threshold (run daily; the Celery beat
entry "producer-certificate-reminders" does it too)."""
import datetime

from django.core.management.base import BaseCommand, CommandError

from producers import certificates


class Command(BaseCommand):
    help = "Send the certificate expiry reminders due today (90 and 30 days before); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today in the shop's time zone)")

    def handle(self, *args, date=None, **options):
        day = None
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r}: write it as YYYY-MM-DD") from None
        sent = certificates.send_reminders(day)
        self.stdout.write(f"{sent} reminder(s) sent")
