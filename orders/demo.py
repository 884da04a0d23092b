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


# -- demo orders -----------------------------------------------------------------------------------
# A few nationwide orders in the states a province officer meets, made through the real services
# (checkout, bank-feed reconciliation, the fulfilment state machine), so their stock moves through
# the ledger like any order's. All carry this buyer's address: the marker that they were loaded.
DEMO_BUYER = "demo-buyer@ocop-dienbien.example"
DEMO_PHONE = "0912000111"
DEMO_STAFF = "tinh@ocop-dienbien.example"  # the province's admin (acts on every point)
# (province GSO code, ward, recipient, street, payment method, what happens after it is placed)
DEMO_ORDERS = (
    ("01", "Hoàn Kiếm", "Nguyễn Thị Lan", "Số 12 phố Hàng Bạc", "BANK_TRANSFER", ("paid", "DELIVERED")),
    ("79", "Bến Thành", "Trần Văn Minh", "45 đường Lê Lợi", "BANK_TRANSFER", ("paid",)),
    ("48", "Hải Châu", "Lê Thị Hoa", "78 đường Bạch Đằng", "CASH_ON_DELIVERY", ("SHIPPED",)),
    ("01", "Ba Đình", "Phạm Quốc Huy", "Số 5 phố Đội Cấn", "BANK_TRANSFER", ()),  # awaiting its transfer (QR)
)
STEPS_TO = {"SHIPPED": ("PICKING", "PACKED", "SHIPPED"), "DELIVERED": ("PICKING", "PACKED", "SHIPPED", "DELIVERED")}


def _travelling_variants(point, quantity: int) -> list[int]:
    """Sellable demo variants that may travel anywhere and that `point` holds enough of, in id order."""
    from catalog.models import ProductVariant
    from inventory.models import Stock
    from orders.checkout import sellable_variants
    from shop.errors import ShopError

    ids = list(ProductVariant.objects.filter(is_published=True, product__max_transit_days__isnull=True)
               .order_by("pk").values_list("pk", flat=True))
    free = {s.variant_id: s.quantity_available
            for s in Stock.objects.filter(sales_point=point, variant_id__in=ids)}
    found = []
    for variant_id in ids:
        if free.get(variant_id, 0) < quantity:
            continue
        try:
            sellable_variants([variant_id])
        except ShopError:  # not certified (or lapsed) today
            continue
        found.append(variant_id)
    return found


def load_demo_orders(sender, loader, **kwargs) -> None:
    """Place DEMO_ORDERS unless they were placed before (an order of DEMO_BUYER exists)."""
    from django.contrib.auth import get_user_model

    from orders import bank_transfers, fulfilment
    from orders import checkout as checkout_service
    from orders.models import BankTransaction, Order
    from shop.models import Commune

    if Order.objects.filter(email=DEMO_BUYER).exists():
        loader.summary.add("demo orders", 0)
        return
    staff = get_user_model().objects.get(username=DEMO_STAFF)
    variants = _travelling_variants(loader.points["tinh"], 3)
    placed = 0
    for i, (province, ward, name, street, method, after) in enumerate(DEMO_ORDERS):
        commune = Commune.objects.get(era=Commune.Era.Y2025, province__code=province, name=ward)
        lines = [(variants[(2 * i + k) % len(variants)], 1 + k) for k in range(2)]
        checkout = checkout_service.create_checkout(lines=lines, email=DEMO_BUYER, phone=DEMO_PHONE)
        checkout_service.set_delivery(token=checkout.token, address={
            "full_name": name, "phone": DEMO_PHONE, "street_address": street, "commune_id": commune.pk})
        order = checkout_service.complete_checkout(token=checkout.token, payment_method=method,
                                                   idempotency_key=f"demo-order-{i + 1}").order
        for step in after:
            if step == "paid":  # the bank feed reports the exact transfer, as SePay would
                bank_transfers.record(bank_transfers.Incoming(
                    provider=BankTransaction.Provider.SEPAY, transaction_id=f"DEMO-{order.number}",
                    amount_vnd=order.total_vnd, content=f"CT DEN:0001 {order.transfer_content} thanh toan",
                    account_number=order.transfer_account_number, reference=f"FT26DEMO{i + 1:04d}",
                    raw={"demo": True}))
                continue
            for fulfillment in order.fulfillments.order_by("pk"):
                for status in STEPS_TO[step]:
                    # A parcel leaving the province carries its carrier and tracking number (manual backend).
                    parcel = {"carrier": "GHN", "tracking_number": f"GHNDEMO{i + 1:04d}"} if status == "SHIPPED" else {}
                    fulfilment.update_status(fulfillment_id=fulfillment.pk, status=status, user=staff, **parcel)
        placed += 1
    loader.summary.add("demo orders", placed)
