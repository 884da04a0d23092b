"""Demo receiving accounts for VietQR transfers, added when the demo shop loads
(catalog.demo.signals.demo_loaded).

The accounts are ILLUSTRATIVE: made-up numbers at real banks, so the demo's QR codes scan
and show a plausible transfer, but no money can arrive. A real shop enters its own accounts
in the admin (Đơn hàng → Tài khoản nhận chuyển khoản).
"""
from orders.models import PaymentAccount

# (sales point code or None for the province's default, bank BIN, account number, holder's name)
DEMO_ACCOUNTS = (
    (None, "970405", "8000000000001", "TRUNG TAM OCOP DIEN BIEN DEMO"),  # Agribank
    ("muong-ang", "970418", "8000000000002", "DIEM BAN OCOP MUONG ANG DEMO"),  # BIDV
)


def load_demo(sender, loader, **kwargs) -> None:
    """Add each demo account unless its point (or the province) already has an active one."""
    added = 0
    for code, bank_bin, number, name in DEMO_ACCOUNTS:
        point = loader.points.get(code) if code else None
        if code and point is None:
            continue
        if PaymentAccount.objects.filter(sales_point=point, is_active=True).exists():
            continue
        PaymentAccount.objects.create(sales_point=point, bank_bin=bank_bin, account_number=number, account_name=name)
        added += 1
    loader.summary.add("payment accounts", added)
