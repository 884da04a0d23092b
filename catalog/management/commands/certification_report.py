import datetime

from django.core.management.base import BaseCommand

from catalog import certification


class Command(BaseCommand):
    help = (
        "List OCOP certificates that expire within N days (default 90) and those already expired "
        "and not renewed, oldest first: the province's recertification to-do list."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="look-ahead window in days (default 90)")
        parser.add_argument("--date", type=datetime.date.fromisoformat, default=None, help="report as of YYYY-MM-DD")

    def handle(self, *args, **options):
        day = options["date"] or certification.today()
        expiring, expired = certification.report(day, options["days"])
        self.stdout.write(f"Báo cáo chứng nhận OCOP ngày {day:%d/%m/%Y}")
        self.stdout.write(f"\nSắp hết hạn ({len(expiring)}):")
        for c in expiring:
            self.stdout.write(f"  {c.valid_until:%d/%m/%Y}  còn {(c.valid_until - day).days:>3} ngày  "
                              f"{c.stars}★  {c.decision_number:<18} {c.product.name}")
        self.stdout.write(f"\nĐã hết hạn, chưa công nhận lại ({len(expired)}):")
        for c in expired:
            self.stdout.write(f"  {c.valid_until:%d/%m/%Y}  quá {(day - c.valid_until).days:>4} ngày  "
                              f"{c.stars}★  {c.decision_number:<18} {c.product.name}")
