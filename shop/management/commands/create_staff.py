"""Create (or update) a staff login and assign it to a sales point."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from shop.models import SalesPoint, StaffAssignment
from shop.permissions import PROVINCE_GROUP, sync_officer


class Command(BaseCommand):
    help = (
        "Create a staff user, or update an existing one, and assign it to a sales point as clerk or manager "
        "(--sales-point CODE --role clerk|manager), or make it a province-wide admin (--province). "
        "Running it again with the same arguments changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The login (also where order notices are sent).")
        parser.add_argument("--password", help="Required for a new user; changes the password of an existing one.")
        parser.add_argument("--sales-point", dest="sales_point", help="The point's code, e.g. muong-ang.")
        parser.add_argument("--role", choices=["clerk", "manager"], default="clerk", help="Role at the point (default clerk).")
        parser.add_argument("--province", action="store_true", help="A province admin: every sales point.")

    def handle(self, *args, email, password, sales_point, role, province, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not an e-mail address: {email}") from exc
        if province == bool(sales_point):
            raise CommandError("Give exactly one of --sales-point CODE or --province.")
        point = None
        if sales_point:
            point = SalesPoint.objects.filter(code=sales_point).first()
            if point is None:
                codes = ", ".join(SalesPoint.objects.values_list("code", flat=True)) or "none yet (run load_demo)"
                raise CommandError(f"No sales point with code {sales_point!r}; known codes: {codes}.")
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.filter(username=email).first()
            created = user is None
            if created:
                if not password:
                    raise CommandError("A new user needs --password.")
                user = User(username=email, email=email, is_staff=True)
            if password:
                try:
                    validate_password(password, user)
                except ValidationError as exc:
                    raise CommandError(" ".join(exc.messages)) from exc
                user.set_password(password)
            user.is_staff = True
            user.save()
            if province:
                StaffAssignment.objects.update_or_create(user=user, sales_point=None, defaults={"role": "province"})
                where = f"every sales point (province admin, admin group {PROVINCE_GROUP!r})"
            else:
                StaffAssignment.objects.update_or_create(user=user, sales_point=point, defaults={"role": role})
                where = f"{point.code} as {role}"
            # Province officers get the admin rights of their job (the "Cán bộ tỉnh" group).
            sync_officer(user)
        self.stdout.write(self.style.SUCCESS(f"{'Created' if created else 'Updated'} {email}: {where}."))
