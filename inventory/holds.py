"""Sale holds: stopping the sale of a variant for a cause outside the catalogue.

The apps above the catalogue must not import each other, so a lot recall
(traceability) reaches checkout (orders) through here: traceability places a
hold, orders asks for open holds before it sells. A person lifts a hold once
the cause is dealt with (the recalled units are off the shelves).
"""
from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.errors import StockErrorCode
from inventory.models import SaleHold
from shop.errors import CommonErrorCode, ShopError
from shop.permissions import is_province_admin


def place_hold(*, variant_id: int, source: str, reason: str, reason_en: str = "") -> SaleHold:
    """Stop selling the variant; placing the same cause twice keeps one hold."""
    existing = SaleHold.objects.filter(variant_id=variant_id, source=source, released_at__isnull=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return SaleHold.objects.create(
                variant_id=variant_id, source=source[:60], reason=reason[:500], reason_en=reason_en[:500]
            )
    except IntegrityError:  # placed by a concurrent request a moment ago
        return SaleHold.objects.get(variant_id=variant_id, source=source, released_at__isnull=True)


@transaction.atomic
def release_hold(*, hold_id: int, user, note: str) -> SaleHold:
    """Put the variant back on sale: a province admin, with a note saying why it is safe."""
    if not is_province_admin(user):
        raise ShopError(
            CommonErrorCode.PERMISSION_DENIED, "Chỉ quản trị tỉnh mới được mở bán lại sản phẩm đã dừng bán.",
            "Only the province's admins can put a held product back on sale.",
        )
    note = (note or "").strip()
    if len(note) < 5:
        raise ShopError(
            StockErrorCode.HOLD_NOTE_REQUIRED, "Hãy ghi rõ vì sao có thể bán lại (ít nhất 5 ký tự), ví dụ: đã thu hồi hết hàng của lô khỏi quầy.",
            "Say why it is safe to sell again (at least 5 characters), e.g. the lot's units are off the shelves.",
            field="note",
        )
    hold = SaleHold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None or hold.released_at is not None:
        raise ShopError(CommonErrorCode.NOT_FOUND, "Lệnh dừng bán này không còn hiệu lực.", "This sale hold is no longer in force.")
    hold.released_at, hold.released_by, hold.release_note = timezone.now(), user, note[:500]
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    return hold
