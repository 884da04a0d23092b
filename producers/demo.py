"""The producers' portal in the demo shop, added when the catalogue's demo loads (the
`catalog.demo.signals.demo_loaded` signal, inside its transaction).

Every demo producer gets an owner login, chu-<producer slug>@ocop-dienbien.example with the demo
password. Two named producers (SHOWCASE) get something in every state the portal shows, made
through the portal's own services: a product draft and a change waiting for the province's review
(products), a submitted renewal file (certificates), and lots that are active, dispatched (in
transit to a sales point), received by the point, and recalled (lots, inventory.transfers,
traceability). Idempotent: logins are found by e-mail, and a showcase producer that already has
demo lots, changes or renewal files is left as it is.
"""
from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from catalog.models import Producer
from inventory import transfers
from inventory.models import Transfer
from producers import certificates, lots, products
from producers.access import Acting
from producers.models import ProductChange, RenewalDocument, RenewalFile
from shop.errors import ShopError
from traceability import services as trace
from traceability.models import Batch, ProducerMembership

DEMO_DOMAIN = "ocop-dienbien.example"
DEMO_PASSWORD = "ocop-demo-2026"
ICT = datetime.timezone(datetime.timedelta(hours=7))
# The README's two producer logins: their products, lots and files show every state.
SHOWCASE = ("HTX Ong mật Điện Biên", "Công ty TNHH Hương Linh")
LOT_PREFIX = "DM"  # the showcase lots' codes: DM<yymmdd>-<n>, never a traceability demo lot's L…
RECALL_REASON = ("Phiếu kiểm nghiệm lại cho thấy độ ẩm vượt mức cho phép; người mua hãy mang sản phẩm tới điểm bán để "
                 "đổi. / A repeat test found moisture above the limit; bring the product back to a sales point for an "
                 "exchange.")
DOSSIER = "renewals/demo/ho-so-danh-gia-lai-demo.pdf"
# A one-page PDF: enough for the renewal file's document list and download link.
DOSSIER_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def login_email(producer: Producer) -> str:
    return f"chu-{producer.slug}@{DEMO_DOMAIN}"


def _owners(loader) -> dict[int, object]:
    """An owner login per demo producer (the producers of the demo's products), made once."""
    User = get_user_model()
    demo_producers = list(Producer.objects.filter(products__slug__in=_demo_slugs(loader)).distinct().order_by("pk"))
    emails = {login_email(p): p for p in demo_producers}
    users = {u.username: u for u in User.objects.filter(username__in=list(emails))}
    password = None
    for email in emails:
        if email not in users:
            password = password or make_password(DEMO_PASSWORD)  # one hash: the demo password is public anyway
            users[email] = User.objects.create(username=email, email=email, password=password,
                                               first_name="Chủ cơ sở")
            loader.summary.add("producer logins")
    have = set(ProducerMembership.objects.filter(user__in=list(users.values())).values_list("user_id", "producer_id"))
    ProducerMembership.objects.bulk_create([
        ProducerMembership(user=users[email], producer=p, role=ProducerMembership.Role.OWNER)
        for email, p in emails.items() if (users[email].pk, p.pk) not in have
    ])
    return {p.pk: users[email] for email, p in emails.items()}


def _demo_slugs(loader) -> list[str]:
    from shop.text import slugify_vi

    return [slugify_vi(fact["name"]) for fact in loader.facts["products"]]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=ICT)


def _reviews(acting: Acting, items) -> None:
    """A draft on the first product, a change waiting for review on the second (one product: both
    cannot be shown, the draft is kept)."""
    if ProductChange.objects.filter(producer=acting.producer).exists():
        return
    first = items[0]
    products.save_draft(acting, first, {
        "description": f"{first.description}\n\nBản nháp: thêm cách dùng theo mùa (chưa gửi tỉnh duyệt).".strip(),
        "description_en": f"{first.description_en}\n\nDraft: seasonal serving ideas (not yet sent for review).".strip(),
    })
    if len(items) > 1:
        second = items[1]
        products.save_draft(acting, second, {
            "description": f"{second.description}\n\nNay có thêm hộp quà 3 gói cho dịp Tết.".strip(),
            "description_en": f"{second.description_en}\n\nNow also in a gift box of three for Tết.".strip(),
        })
        products.submit(acting, second)


def _renewal(acting: Acting, items) -> None:
    """A renewal file, submitted with its dossier, for the first product with a certificate."""
    if RenewalFile.objects.filter(producer=acting.producer).exists():
        return
    for product in items:
        try:
            renewal = certificates.start_renewal(acting, product.pk)
        except ShopError:  # no certificate on record: try the next product
            continue
        if not default_storage.exists(DOSSIER):  # one file for every load: the demo adds no clutter
            default_storage.save(DOSSIER, ContentFile(DOSSIER_PDF))
        RenewalDocument.objects.create(renewal=renewal, title="Phiếu đánh giá, phân hạng sản phẩm OCOP",
                                       file=DOSSIER, uploaded_by=acting.user)
        certificates.submit_renewal(acting, renewal.pk)
        return


def _lots(acting: Acting, items, loader) -> None:
    """Four lots of the first product: active (recorded up to packing), dispatched and in transit,
    received by the point, and recalled."""
    if Batch.objects.filter(variant__product__producer=acting.producer, lot_code__startswith=LOT_PREFIX).exists():
        return
    variant = items[0].variants.order_by("position", "pk").first()
    if variant is None:
        return
    points = loader.points
    point = points.get("dien-bien") or points["tinh"]
    clerk = get_user_model().objects.filter(username=f"{point.code}@{DEMO_DOMAIN}").first()
    made = []
    for n, age in enumerate((40, 30, 20, 12), start=1):
        day = loader.today - datetime.timedelta(days=age)
        batch = lots.create_lot(acting, key=None, variant_id=variant.pk, production_date=day, quantity=200,
                                expiry_date=day + datetime.timedelta(days=365), origin_commune_id=None,
                                lot_code=f"{LOT_PREFIX}{day:%y%m%d}-{n}",
                                raw_materials="Nguyên liệu của các hộ thành viên",
                                raw_materials_en="Raw materials from the member households")
        lots.record_event(acting, batch, "harvest", lots.EventInput(_at(day - datetime.timedelta(days=2), 7),
                                                                   "Thu hoạch buổi sáng", "Harvested in the morning", quantity=80), key=None)
        lots.record_event(acting, batch, "processing", lots.EventInput(_at(day, 8), "Sơ chế, đóng mẻ", "Prepared and batched"), key=None)
        # The test report's PDF is the portal's upload; the demo records the inspection itself.
        trace.add_event(batch=batch, biz_step="inspecting", event_time=_at(day + datetime.timedelta(days=1), 10),
                        description="Kiểm nghiệm tại Trung tâm Kiểm nghiệm tỉnh: đạt",
                        description_en="Tested at the provincial testing centre: passed", disposition="conformant",
                        by=acting.user)
        lots.record_event(acting, batch, "packing", lots.EventInput(_at(day + datetime.timedelta(days=2), 14),
                                                                   "Đóng gói, dán tem", "Packed and labelled", quantity=200), key=None)
        made.append(batch)
    active, in_transit, received, recalled = made
    for batch in (in_transit, received):
        lots.record_event(acting, batch, "dispatch", lots.EventInput(
            _at(batch.production_date + datetime.timedelta(days=4), 7), "Xe của hợp tác xã", "The cooperative's van", quantity=60,
            point_id=point.pk), key=None)
    if clerk is not None:
        sent = Transfer.objects.filter(from_producer=acting.producer, reference=f"batch:{received.pk}",
                                       status=Transfer.Status.SENT).first()
        if sent is not None:  # the receipt adds the lot's receiving event (lots.record_receipt)
            transfers.receive(user=clerk, transfer_id=sent.pk)
    trace.recall_batch(batch=recalled, reason=RECALL_REASON, by=acting.user)
    loader.summary.add("portal demo lots", len(made))


def load(sender, loader, **kwargs) -> None:
    """The demo_loaded receiver."""
    owners = _owners(loader)
    for producer in Producer.objects.filter(name__in=SHOWCASE).order_by("name"):
        user = owners.get(producer.pk)
        if user is None:
            continue
        acting = Acting(user=user, producer=producer, role=ProducerMembership.Role.OWNER)
        items = list(producer.products.order_by("name", "pk"))
        if not items:
            continue
        _reviews(acting, items)
        _renewal(acting, items)
        _lots(acting, items, loader)
