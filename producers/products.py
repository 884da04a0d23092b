"""My products: what a producer may change of what buyers read, and the province's review of it.

A producer edits a ProductChange draft of one of their products (descriptions vi/en, new photos,
pack sizes and shipping weights of existing variants; never prices, SKUs, GTINs or names), then
sends it for review. A pending change is frozen until the province approves it (published through
catalog.content.apply_content, in one transaction) or sends it back with a comment (the producer
edits it again and resends). Buyers see the published content until the approval.

Every function that acts for a producer takes an access.Acting and works only on that
producer's products, so pages and GraphQL share the rule.
"""
from __future__ import annotations

import dataclasses
import os

from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from catalog import content, images
from catalog.models import Product, ProductVariant
from catalog.selectors import with_current_stars
from inventory import availability
from inventory.models import Stock
from producers.access import Acting
from producers.errors import ProducerErrorCode
from producers.models import ProductChange, ProductChangePhoto
from shop import permissions
from shop.errors import CommonErrorCode, ShopError
from shop.tasks import enqueue, send_email
from traceability.models import ProducerMembership

TEXT_FIELDS = content.TEXT_FIELDS
VARIANT_FIELDS = content.VARIANT_FIELDS
MAX_TEXT = 10_000
MAX_PHOTOS = 8
MAX_WEIGHT_GRAMS = 1_000_000
OPEN = (ProductChange.Status.DRAFT, ProductChange.Status.PENDING)


@dataclasses.dataclass
class ProductRow:
    """One line of "My products"."""

    product: Product
    stars: int | None
    change: ProductChange | None  # the latest change (open, or the last reviewed)
    stock: list  # Stock rows of its variants, annotated by availability.with_sellable

    @property
    def units_sellable(self) -> int:
        return sum(s.quantity_sellable for s in self.stock)


def my_products(acting: Acting) -> list[ProductRow]:
    """The producer's products with today's stars, the latest change and stock at every sales
    point: four queries however many products."""
    latest = ProductChange.objects.filter(product=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    products = list(
        with_current_stars(Product.objects.filter(producer=acting.producer))
        .annotate(latest_change_id=Subquery(latest))
        .prefetch_related(Prefetch("variants", queryset=ProductVariant.objects.order_by("position", "pk")))
        .order_by("name", "pk")
    )
    change_ids = [p.latest_change_id for p in products if p.latest_change_id]
    changes = {c.pk: c for c in ProductChange.objects.filter(pk__in=change_ids)} if change_ids else {}
    stock: dict[int, list] = {}
    rows = (
        availability.with_sellable(Stock.objects.filter(variant__product__producer=acting.producer))
        .select_related("sales_point", "variant")
        .order_by("sales_point__name", "variant__position", "variant_id")
    )
    for row in rows:
        stock.setdefault(row.variant.product_id, []).append(row)
    return [ProductRow(p, p.current_stars, changes.get(p.latest_change_id), stock.get(p.pk, [])) for p in products]


def product_for(acting: Acting, pk) -> Product:
    """The acting producer's product `pk` (another producer's is "not found", not "forbidden")."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    product = Product.objects.filter(producer=acting.producer, pk=pk).first() if pk else None
    if product is None:
        raise ShopError(ProducerErrorCode.PRODUCT_NOT_FOUND,
                        "Không tìm thấy sản phẩm này trong danh sách sản phẩm của cơ sở; hãy chọn lại từ danh sách.",
                        "This product is not among your products; pick it again from the list.")
    return product


def working_change(product: Product) -> ProductChange | None:
    """The change the producer works on: the open one (draft or pending), else the latest if it
    was sent back (editing it makes it a draft again), else None (a save starts a new one)."""
    latest = product.changes.order_by("-created_at", "-pk").first()
    if latest and (latest.status in OPEN or latest.status == ProductChange.Status.RETURNED):
        return latest
    return None


def last_reviewed(product: Product) -> ProductChange | None:
    return product.changes.filter(status__in=[ProductChange.Status.APPROVED, ProductChange.Status.RETURNED]) \
        .order_by("-reviewed_at", "-pk").first()


def proposed_content(product: Product, change: ProductChange | None, variants=None) -> dict:
    """What buyers would see if `change` were approved: the published content overlaid by it."""
    result = content.current_content(product, variants)
    if change:
        for name in TEXT_FIELDS:
            if name in change.fields:
                result[name] = change.fields[name]
        for vid, values in (change.fields.get("variants") or {}).items():
            if vid in result["variants"]:
                result["variants"][vid].update({k: v for k, v in values.items() if k in VARIANT_FIELDS})
    return result


def differences(product: Product, change: ProductChange, variants=None) -> list[tuple[str, object, object]]:
    """[(label key, current, proposed)] of what the change would alter (for the review)."""
    variants = list(product.variants.all() if variants is None else variants)
    now = content.current_content(product, variants)
    wanted = proposed_content(product, change, variants)
    rows = [(name, now[name], wanted[name]) for name in TEXT_FIELDS if now[name] != wanted[name]]
    for v in variants:
        for name in VARIANT_FIELDS:
            before, after = now["variants"][str(v.pk)][name], wanted["variants"][str(v.pk)][name]
            if before != after:
                rows.append((f"{v.name} · {name}", before, after))
    return rows


def _invalid(field: str, vi: str, en: str) -> ShopError:
    return ShopError(ProducerErrorCode.CHANGE_INVALID, vi, en, field=field)


def _clean_fields(product: Product, data: dict, variants) -> dict:
    """The proposal as stored: only the editable fields that differ from what is published.
    Anything else in `data` (a price, a SKU, a name) is ignored."""
    now = content.current_content(product, variants)
    fields: dict = {}
    for name in TEXT_FIELDS:
        if name not in data:
            continue
        value = str(data[name] or "").replace("\r\n", "\n").strip()
        if len(value) > MAX_TEXT:
            raise _invalid(name, f"Nội dung quá dài (tối đa {MAX_TEXT} ký tự); hãy rút gọn.",
                           f"The text is too long ({MAX_TEXT} characters at most); shorten it.")
        if value != (now[name] or ""):
            fields[name] = value
    proposed = {}
    for v in variants:
        given = (data.get("variants") or {}).get(str(v.pk)) or {}
        values = {}
        if "pack_size" in given and "pack_size" in VARIANT_FIELDS:
            pack = str(given["pack_size"] or "").strip()
            limit = ProductVariant._meta.get_field("pack_size").max_length
            if len(pack) > limit:
                raise _invalid(f"v{v.pk}-pack_size", f"Quy cách tối đa {limit} ký tự.",
                               f"A pack size is {limit} characters at most.")
            if pack != v.pack_size:
                values["pack_size"] = pack
        if "weight_grams" in given and "weight_grams" in VARIANT_FIELDS:
            raw = str(given["weight_grams"] if given["weight_grams"] is not None else "").strip()
            try:
                grams = int(raw or "0")
            except ValueError:
                grams = -1
            if not 0 <= grams <= MAX_WEIGHT_GRAMS:
                raise _invalid(f"v{v.pk}-weight_grams",
                               "Khối lượng phải là số gam nguyên, từ 0 đến 1.000.000; hãy nhập lại.",
                               "The weight must be whole grams between 0 and 1,000,000; type it again.")
            if grams != v.weight_grams:
                values["weight_grams"] = grams
        if values:
            proposed[str(v.pk)] = values
    if proposed:
        fields["variants"] = proposed
    return fields


def pending_error() -> ShopError:
    return ShopError(ProducerErrorCode.CHANGE_PENDING,
                     "Đề nghị này đang chờ tỉnh duyệt nên chưa sửa được; khi tỉnh duyệt hoặc trả lại, bạn sẽ sửa tiếp.",
                     "This change is waiting for the province's review and cannot be edited until it is approved "
                     "or sent back.")


def _check_photo(upload) -> tuple[bytes, images.ImageInfo, str]:
    data = upload.read()
    try:
        clean, info = images.normalise(data)  # the content decides, never the file name
    except images.ImageRejected as exc:
        raise ShopError(ProducerErrorCode.PHOTO_REJECTED, exc.message, exc.message_en, field="photo") from exc
    stem = os.path.splitext(os.path.basename(getattr(upload, "name", "") or "anh"))[0][:60] or "anh"
    return clean, info, f"{stem}.{media_extension(info)}"


def media_extension(info: images.ImageInfo) -> str:
    from catalog.media import EXTENSIONS

    return EXTENSIONS[info.format]


@transaction.atomic
def save_draft(acting: Acting, product: Product, data: dict, *, photo=None, photo_alt: str = "",
               photo_alt_en: str = "", remove_photos=()) -> ProductChange | None:
    """Save the producer's proposal for `product` as a draft (a sent-back change becomes a draft
    again). `data`: TEXT_FIELDS and {"variants": {id: {pack_size, weight_grams}}}; `photo` an
    uploaded file (checked like admin uploads). Returns None when the result proposes nothing
    (no empty draft is kept). Raises ShopError; nothing is saved then."""
    product = product_for(acting, product.pk)
    variants = list(product.variants.order_by("position", "pk"))
    fields = _clean_fields(product, data, variants)
    checked = _check_photo(photo) if photo else None
    for name, value, limit in (("photo_alt", photo_alt, 200), ("photo_alt_en", photo_alt_en, 200)):
        if len(value or "") > limit:
            raise _invalid(name, f"Mô tả ảnh tối đa {limit} ký tự.", f"A photo caption is {limit} characters at most.")

    change = working_change(product)
    if change is not None:
        change = ProductChange.objects.select_for_update().get(pk=change.pk)
        if change.status == ProductChange.Status.PENDING:
            raise pending_error()
    if change is None:
        if not fields and not checked:
            return None  # nothing proposed: no empty draft
        change = ProductChange(product=product, producer=acting.producer, created_by=acting.user)
    change.status = ProductChange.Status.DRAFT
    change.fields = fields
    change.save()
    if remove_photos:
        ids = []
        for value in remove_photos:
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                continue
        for old in change.photos.filter(pk__in=ids):
            old.image.delete(save=False)
            old.delete()
    if checked:
        if change.photos.count() >= MAX_PHOTOS:
            raise ShopError(ProducerErrorCode.PHOTO_REJECTED,
                            f"Mỗi đề nghị có tối đa {MAX_PHOTOS} ảnh mới; hãy bỏ bớt ảnh trước khi thêm.",
                            f"A change holds {MAX_PHOTOS} new photos at most; remove one before adding another.",
                            field="photo")
        clean, _info, filename = checked
        from django.core.files.base import ContentFile

        added = ProductChangePhoto(change=change, alt=(photo_alt or "").strip(), alt_en=(photo_alt_en or "").strip())
        added.image.save(filename, ContentFile(clean), save=False)
        added.save()
    if not fields and not change.photos.exists():
        change.delete()  # everything taken back: what buyers see is what the producer wants
        return None
    return change


@transaction.atomic
def submit(acting: Acting, product: Product) -> ProductChange:
    """Send the draft for the province's review; from then on it is frozen until reviewed."""
    product = product_for(acting, product.pk)
    change = working_change(product)
    if change is not None:
        change = ProductChange.objects.select_for_update().get(pk=change.pk)
        if change.status == ProductChange.Status.PENDING:
            raise pending_error()
    if change is None or change.status != ProductChange.Status.DRAFT or not (
            differences(product, change) or change.photos.exists()):
        raise ShopError(ProducerErrorCode.NOTHING_TO_SUBMIT,
                        "Bản nháp chưa có gì khác với nội dung đang hiển thị; hãy sửa rồi lưu trước khi gửi duyệt.",
                        "The draft changes nothing buyers see yet; edit and save it before sending it for review.")
    change.status = ProductChange.Status.PENDING
    change.submitted_at = timezone.now()
    change.save(update_fields=["status", "submitted_at", "updated_at"])
    return change


# -- the province's review ------------------------------------------------------------------

def _require_reviewer(user) -> None:
    if not (getattr(user, "is_superuser", False) or permissions.is_province_admin(user)):
        raise ShopError(CommonErrorCode.PERMISSION_DENIED,
                        "Chỉ cán bộ tỉnh mới duyệt được đề nghị sửa sản phẩm.",
                        "Only province officers can review product changes.")


def _pending(change: ProductChange) -> ProductChange:
    locked = ProductChange.objects.select_for_update().select_related("product").get(pk=change.pk)
    if locked.status != ProductChange.Status.PENDING:
        raise ShopError(ProducerErrorCode.CHANGE_NOT_PENDING,
                        "Đề nghị này không còn chờ duyệt (đã được duyệt, trả lại hoặc chủ thể chưa gửi).",
                        "This change is no longer waiting for review (approved, sent back, or not sent yet).")
    return locked


@transaction.atomic
def approve(change: ProductChange, by) -> ProductChange:
    """Publish the change (catalog.content.apply_content) and tell the producer; one transaction."""
    _require_reviewer(by)
    change = _pending(change)
    photos = []
    for photo in change.photos.order_by("pk"):
        with photo.image.open("rb") as stored:
            photos.append(content.NewPhoto(stored.read(), os.path.basename(photo.image.name), photo.alt, photo.alt_en))
    try:
        content.apply_content(change.product, change.fields, photos, by=by)
    except images.ImageRejected as exc:
        raise ShopError(ProducerErrorCode.PHOTO_REJECTED, exc.message, exc.message_en) from exc
    change.status = ProductChange.Status.APPROVED
    change.reviewed_by, change.reviewed_at = by, timezone.now()
    change.comment = ""
    change.save(update_fields=["status", "reviewed_by", "reviewed_at", "comment", "updated_at"])
    _notify(change)
    return change


@transaction.atomic
def send_back(change: ProductChange, by, comment: str) -> ProductChange:
    """Return the change to the producer with a comment saying what to fix (required)."""
    _require_reviewer(by)
    comment = (comment or "").strip()
    if not comment:
        raise ShopError(ProducerErrorCode.COMMENT_REQUIRED,
                        "Hãy ghi nhận xét cho chủ thể biết cần sửa gì trước khi trả lại.",
                        "Write a comment telling the producer what to fix before sending the change back.",
                        field="comment")
    change = _pending(change)
    change.status = ProductChange.Status.RETURNED
    change.comment = comment[:2000]
    change.reviewed_by, change.reviewed_at = by, timezone.now()
    change.save(update_fields=["status", "comment", "reviewed_by", "reviewed_at", "updated_at"])
    _notify(change)
    return change


def _notify(change: ProductChange) -> None:
    """E-mail the producer's people through the task queue, after the commit."""
    recipients = sorted(set(
        ProducerMembership.objects.filter(producer_id=change.producer_id, user__is_active=True)
        .exclude(user__email="").values_list("user__email", flat=True)))
    if not recipients:
        return
    name = change.product.name
    if change.status == ProductChange.Status.APPROVED:
        subject = f"OCOP: đề nghị sửa «{name}» đã được duyệt / approved"
        body = (f"Tỉnh đã duyệt đề nghị sửa sản phẩm «{name}»; người mua đã thấy nội dung mới.\n\n"
                f"The province approved your change to “{name}”; buyers now see the new content.\n")
    else:
        subject = f"OCOP: đề nghị sửa «{name}» được trả lại / sent back"
        body = (f"Tỉnh trả lại đề nghị sửa sản phẩm «{name}» để sửa:\n\n{change.comment}\n\n"
                "Hãy vào Cổng chủ thể, mục Sản phẩm của tôi, sửa rồi gửi duyệt lại.\n\n"
                f"The province sent your change to “{name}” back with the comment above; "
                "edit it under My products in the producers' portal and send it again.\n")
    enqueue(send_email, subject, body, recipients)
