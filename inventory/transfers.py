"""Transfers of stock between sales points, and low-stock thresholds.

A transfer is sent and received in two steps, by the staff of each end:

- **send** (the sending point's staff, or a province admin): the units leave the
  source at once (TRANSFER_OUT, reference "transfer:<number>"). Only free units
  go: what orders have allocated stays for them.
- the units are **in transit** while the transfer is SENT;
- **receive** (the receiving point's staff, or a province admin): they count
  what arrived, line by line (by default what was sent). What arrived comes in
  (TRANSFER_IN); a shortfall or an excess is recorded on the line with a note
  saying why. Missing units are a loss recorded on the transfer: they are not
  put back at the source. A transfer is received once.
- **cancel** (the sending point's staff, or a province admin), before receipt:
  the units go back to the source (TRANSFER_IN there, the reason says so).

A producer's **dispatch** (producers' portal) is a transfer from a producer (`from_producer`)
into a point: created SENT, it takes units from nowhere; receiving it brings the counted units
in (TRANSFER_IN, the reason names the producer), and cancelling it (a province admin) takes
nothing back. Whether the user acts for the producer is the caller's check (producers/lots.py,
through the memberships inventory sits below); this module checks the rest.

Stock changes go through `inventory.ledger`, which locks rows in id order.
"""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from catalog.models import Producer, ProductVariant
from inventory import ledger
from inventory.errors import StockErrorCode
from inventory.models import Stock, StockMovement, Transfer, TransferLine
from inventory.signals import transfer_received
from shop.errors import CommonErrorCode, ShopError
from shop.models import SalesPoint
from shop.permissions import point_ids_for, require_point, require_staff

Kind = StockMovement.Kind
Status = Transfer.Status
MAX_LINES = 100
NUMBER_PREFIX = "CK-"  # chuyển kho
HISTORY_LIMIT = 30  # a point's screen shows the latest; the API (stockTransfers) pages through them all


def reference(transfer: Transfer) -> str:
    return f"transfer:{transfer.number}"


def _name(point: SalesPoint) -> tuple[str, str]:
    return point.name, point.name_en or point.name


def sender_name(transfer: Transfer) -> tuple[str, str]:
    """(vi, en) name of who sent it: the sending point, or the producer of a dispatch."""
    if transfer.from_producer_id:
        return transfer.from_producer.name, transfer.from_producer.name
    return _name(transfer.from_point)


def _clean_text(text, *, limit: int, field: str) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > limit:
        raise ShopError(StockErrorCode.NOTE_TOO_LONG, f"Ghi chú dài quá {limit} ký tự; hãy viết ngắn lại.",
                        f"The note is longer than {limit} characters; shorten it.", field=field)
    return text


def _quantity(value, *, field: str, low: int = 1, high: int = ledger.MAX_QUANTITY) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ShopError(StockErrorCode.INVALID_QUANTITY, f"Số lượng phải là số nguyên từ {low} đến {high:,}.".replace(",", "."),
                        f"The quantity must be a whole number from {low} to {high:,}.", field=field)
    return value


def _not_found() -> ShopError:
    return ShopError(StockErrorCode.TRANSFER_NOT_FOUND, "Không tìm thấy phiếu chuyển kho này.", "Transfer not found.", field="id")


def _locked_transfer(user, transfer_id) -> Transfer:
    """The transfer, locked, if the user may see it (the same answer whether it exists or not)."""
    require_staff(user)
    if isinstance(transfer_id, bool) or not isinstance(transfer_id, int):
        raise _not_found()
    transfer = Transfer.objects.select_for_update().filter(pk=transfer_id).first()
    if transfer is None or not _may_see(user, transfer):
        raise _not_found()
    return transfer


def _may_see(user, transfer: Transfer) -> bool:
    ids = point_ids_for(user)
    return ids is None or transfer.from_point_id in ids or transfer.to_point_id in ids


def _refuse_unless_in_transit(transfer: Transfer) -> None:
    if transfer.status == Status.RECEIVED:
        when = timezone.localtime(transfer.received_at).strftime("%H:%M %d/%m/%Y")
        raise ShopError(
            StockErrorCode.ALREADY_RECEIVED,
            f"Phiếu {transfer.number} đã được nhận lúc {when}; không thể nhận hay huỷ lại. "
            "Nếu số đếm sai, hãy kiểm kê lại tồn kho ở trang Tồn kho.",
            f"Transfer {transfer.number} was already received at {when}; it cannot be received or cancelled again. "
            "If the count was wrong, recount the stock on the Stock page.",
            field="id",
        )
    if transfer.status == Status.CANCELLED:
        raise ShopError(
            StockErrorCode.TRANSFER_CANCELLED, f"Phiếu {transfer.number} đã bị huỷ; hàng đã trở lại điểm gửi.",
            f"Transfer {transfer.number} was cancelled; its units went back to the sending point.", field="id",
        )


def _stock_rows(point_id: int, variant_ids, *, create: bool) -> dict[int, Stock]:
    """The point's stock rows of these variants, locked in id order; {variant_id: Stock}.
    With `create`, missing rows are created empty first (the ledger fills them)."""
    variant_ids = sorted(set(variant_ids))
    if create:
        Stock.objects.bulk_create(
            [Stock(variant_id=v, sales_point_id=point_id) for v in variant_ids], ignore_conflicts=True
        )
    ids = Stock.objects.filter(sales_point_id=point_id, variant_id__in=variant_ids).values_list("pk", flat=True)
    return {s.variant_id: s for s in ledger.lock_ids(ids).values()}


# -- sending ---------------------------------------------------------------------------------

def _send_lines(lines) -> dict[int, tuple[int, int]]:
    """[(variant_id, quantity)] -> {variant_id: (quantity, index of its first line)}; a variant named twice
    is sent once, with the quantities added."""
    lines = list(lines or [])
    if not lines:
        raise ShopError(StockErrorCode.LINES_REQUIRED, "Hãy chọn ít nhất một mặt hàng và số lượng cần chuyển.",
                        "Choose at least one product and a quantity to send.", field="lines")
    if len(lines) > MAX_LINES:
        raise ShopError(StockErrorCode.TOO_MANY_LINES, f"Một phiếu chuyển có tối đa {MAX_LINES} dòng; hãy chia thành nhiều phiếu.",
                        f"A transfer has at most {MAX_LINES} lines; split it into several.", field="lines")
    wanted: dict[int, tuple[int, int]] = {}
    for i, (variant_id, quantity) in enumerate(lines):
        if isinstance(variant_id, bool) or not isinstance(variant_id, int):
            raise ShopError(CommonErrorCode.VARIANT_NOT_FOUND, "Không tìm thấy sản phẩm.", "Product variant not found.",
                            field=f"lines.{i}.variantId")
        quantity = _quantity(quantity, field=f"lines.{i}.quantity")
        before, first = wanted.get(variant_id, (0, i))
        wanted[variant_id] = (_quantity(before + quantity, field=f"lines.{i}.quantity"), first)
    return wanted


@transaction.atomic
def send(*, user, from_point_id: int, to_point_id: int, lines, note: str = "") -> Transfer:
    """Create a transfer and send it: the units leave the source now. `lines`: [(variant_id, quantity)]."""
    require_point(user, from_point_id, field="fromPointId")
    if from_point_id == to_point_id:
        raise ShopError(StockErrorCode.SAME_POINT, "Điểm nhận phải khác điểm gửi.", "Send to a different sales point.",
                        field="toPointId")
    points = SalesPoint.objects.in_bulk([from_point_id, to_point_id])
    if from_point_id not in points:
        raise ShopError(CommonErrorCode.SALES_POINT_NOT_FOUND, "Không tìm thấy điểm gửi.", "Sending point not found.",
                        field="fromPointId")
    source, destination = points[from_point_id], points.get(to_point_id)
    if destination is None:
        raise ShopError(CommonErrorCode.SALES_POINT_NOT_FOUND, "Không tìm thấy điểm nhận.", "Receiving point not found.",
                        field="toPointId")
    if not destination.is_active:
        raise ShopError(StockErrorCode.POINT_CLOSED, f"{destination.name} đã ngừng hoạt động; không thể chuyển hàng đến.",
                        f"{_name(destination)[1]} is closed; stock cannot be sent there.", field="toPointId")
    wanted = _send_lines(lines)
    note = _clean_text(note, limit=500, field="note")
    variants = ProductVariant.objects.in_bulk(list(wanted))
    for variant_id, (_, i) in wanted.items():
        if variant_id not in variants:
            raise ShopError(CommonErrorCode.VARIANT_NOT_FOUND, "Không tìm thấy sản phẩm.", "Product variant not found.",
                            field=f"lines.{i}.variantId")

    rows = _stock_rows(source.pk, wanted, create=False)
    for variant_id, (quantity, i) in wanted.items():
        free = rows[variant_id].quantity_available if variant_id in rows else 0
        if quantity > free:
            sku = variants[variant_id].sku
            raise ShopError(
                StockErrorCode.INSUFFICIENT_STOCK,
                f"{source.name} chỉ còn {free} {sku} có thể chuyển (số đã giữ cho đơn ở lại); hãy giảm số lượng.",
                f"{_name(source)[1]} has only {free} of {sku} free to send (units reserved for orders stay); "
                "lower the quantity.",
                field=f"lines.{i}.quantity",
            )

    transfer = Transfer.objects.create(from_point=source, to_point=destination, note=note, created_by=user,
                                       sent_at=timezone.now())
    transfer.number = f"{NUMBER_PREFIX}{transfer.pk:06d}"
    transfer.save(update_fields=["number"])
    TransferLine.objects.bulk_create([
        TransferLine(transfer=transfer, variant_id=variant_id, quantity_sent=quantity)
        for variant_id, (quantity, _) in sorted(wanted.items(), key=lambda item: item[1][1])
    ])
    ledger.apply(
        [ledger.Change(rows[v], Kind.TRANSFER_OUT, on_hand=-q) for v, (q, _) in wanted.items()],
        reason=f"Chuyển đến {destination.name} ({transfer.number}) {note}", reference=reference(transfer), actor=user,
    )
    return transfer


@transaction.atomic
def dispatch(*, user, producer_id: int, to_point_id: int, lines, note: str = "", reference: str = "") -> Transfer:
    """A producer sends its own products to a sales point: a SENT transfer from the producer.
    No stock moves until the point receives it. `lines`: [(variant_id, quantity)], each a variant
    of this producer; `reference` names what it carries ("batch:12"). The caller has checked
    that `user` acts for the producer."""
    producer = Producer.objects.filter(pk=producer_id).first() if isinstance(producer_id, int) else None
    if producer is None:
        raise ShopError(CommonErrorCode.PERMISSION_DENIED, "Không rõ chủ thể gửi hàng.", "Unknown sending producer.",
                        field="producer")
    destination = SalesPoint.objects.filter(pk=to_point_id).first() if isinstance(to_point_id, int) else None
    if destination is None:
        raise ShopError(CommonErrorCode.SALES_POINT_NOT_FOUND, "Không tìm thấy điểm nhận; hãy chọn lại.",
                        "Receiving point not found; choose again.", field="toPointId")
    if not destination.is_active:
        raise ShopError(StockErrorCode.POINT_CLOSED, f"{destination.name} đã ngừng hoạt động; không thể gửi hàng đến.",
                        f"{_name(destination)[1]} is closed; stock cannot be sent there.", field="toPointId")
    wanted = _send_lines(lines)
    note = _clean_text(note, limit=500, field="note")
    variants = ProductVariant.objects.select_related("product").in_bulk(list(wanted))
    for variant_id, (_, i) in wanted.items():
        variant = variants.get(variant_id)
        if variant is None or variant.product.producer_id != producer.pk:
            raise ShopError(CommonErrorCode.VARIANT_NOT_FOUND, "Không tìm thấy sản phẩm này của chủ thể.",
                            "This producer has no such product variant.", field=f"lines.{i}.variantId")
    transfer = Transfer.objects.create(from_producer=producer, to_point=destination, note=note, created_by=user,
                                       sent_at=timezone.now(), reference=(reference or "")[:80])
    transfer.number = f"{NUMBER_PREFIX}{transfer.pk:06d}"
    transfer.save(update_fields=["number"])
    TransferLine.objects.bulk_create([
        TransferLine(transfer=transfer, variant_id=variant_id, quantity_sent=quantity)
        for variant_id, (quantity, _) in sorted(wanted.items(), key=lambda item: item[1][1])
    ])
    return transfer


def dispatched(producer_id: int, references) -> dict[str, dict[str, int]]:
    """What a producer's dispatches carrying these references became, in one query:
    {reference: {"sent": units in transit or received, "received": units counted in, "open": transfers in transit}}."""
    out: dict[str, dict[str, int]] = {}
    rows = TransferLine.objects.filter(
        transfer__from_producer_id=producer_id, transfer__reference__in=list(references),
    ).exclude(transfer__status=Status.CANCELLED).values_list(
        "transfer__reference", "transfer__status", "quantity_sent", "quantity_received")
    for ref, status, sent, received in rows:
        row = out.setdefault(ref, {"sent": 0, "received": 0, "open": 0})
        row["sent"] += sent
        row["received"] += received or 0
        row["open"] += status == Status.SENT
    return out


# -- receiving and cancelling ------------------------------------------------------------------

@dataclass(frozen=True)
class Count:
    """What the receiving point counted on one line; `quantity` None means what was sent."""

    line_id: int
    quantity: int | None = None
    note: str = ""


def _counts(lines: list[TransferLine], counts) -> dict[int, tuple[int, str]]:
    """{line_id: (quantity received, note)} for every line of the transfer, checked."""
    by_id = {line.pk: line for line in lines}
    found: dict[int, tuple[int, str]] = {}
    for i, count in enumerate(counts or []):
        line = by_id.get(count.line_id) if isinstance(count.line_id, int) else None
        if line is None:
            raise ShopError(StockErrorCode.INVALID_LINE, "Dòng này không thuộc phiếu chuyển; hãy tải lại trang.",
                            "This line is not part of the transfer; reload the page.", field=f"lines.{i}.lineId")
        if line.pk in found:
            raise ShopError(StockErrorCode.DUPLICATE_LINE, "Mỗi dòng chỉ nhập số đếm một lần.", "Give each line's count once.",
                            field=f"lines.{i}.lineId")
        quantity = line.quantity_sent if count.quantity is None else _quantity(
            count.quantity, field=f"lines.{i}.quantityReceived", low=0)
        if quantity > 2 * line.quantity_sent:
            raise ShopError(
                StockErrorCode.RECEIVED_TOO_MANY,
                f"Đã gửi {line.quantity_sent}; số nhận không thể quá gấp đôi. Hãy đếm lại; hàng thừa ngoài phiếu "
                "thì nhập kho riêng.",
                f"{line.quantity_sent} were sent; the count cannot be more than twice that. Count again; units "
                "that were not on the transfer are a separate receipt.",
                field=f"lines.{i}.quantityReceived",
            )
        note = _clean_text(count.note, limit=300, field=f"lines.{i}.note")
        if quantity != line.quantity_sent and len(note) < 3:
            raise ShopError(
                StockErrorCode.DISCREPANCY_NOTE_REQUIRED,
                f"Nhận {quantity} nhưng đã gửi {line.quantity_sent}: hãy ghi lý do chênh lệch (ví dụ: vỡ 2 hũ khi vận "
                "chuyển).",
                f"{quantity} received but {line.quantity_sent} sent: say why they differ (e.g. 2 jars broke on the way).",
                field=f"lines.{i}.note",
            )
        found[line.pk] = (quantity, note)
    for line in lines:
        found.setdefault(line.pk, (line.quantity_sent, ""))
    return found


@transaction.atomic
def receive(*, user, transfer_id: int, counts=None) -> Transfer:
    """The receiving point counts what arrived (`counts`: [Count]; lines not named arrived in full)."""
    transfer = _locked_transfer(user, transfer_id)
    require_point(user, transfer.to_point_id, field="id")
    _refuse_unless_in_transit(transfer)
    lines = list(transfer.lines.order_by("id"))
    counted = _counts(lines, counts)
    if transfer.from_producer_id:  # a producer's dispatch: a receipt from the producer
        source = f"chủ thể {Producer.objects.get(pk=transfer.from_producer_id).name}"
    else:
        source = SalesPoint.objects.get(pk=transfer.from_point_id).name
    rows = _stock_rows(transfer.to_point_id, [line.variant_id for line in lines], create=True)
    ledger.apply(
        [ledger.Change(rows[line.variant_id], Kind.TRANSFER_IN, on_hand=counted[line.pk][0])
         for line in lines if counted[line.pk][0]],
        reason=f"Nhận từ {source} ({transfer.number})", reference=reference(transfer), actor=user,
    )
    for line in lines:
        line.quantity_received, line.discrepancy_note = counted[line.pk]
    TransferLine.objects.bulk_update(lines, ["quantity_received", "discrepancy_note"])
    transfer.status, transfer.received_by, transfer.received_at = Status.RECEIVED, user, timezone.now()
    transfer.save(update_fields=["status", "received_by", "received_at"])
    transfer_received.send(sender=Transfer, transfer=transfer, lines=lines)
    return transfer


@transaction.atomic
def cancel(*, user, transfer_id: int, reason: str = "") -> Transfer:
    """Call back a transfer not yet received: its units go back to the source."""
    transfer = _locked_transfer(user, transfer_id)
    if not _may_act_on_source(user, transfer):
        raise ShopError(
            CommonErrorCode.PERMISSION_DENIED, "Chỉ điểm gửi (hoặc quản trị tỉnh) mới huỷ được phiếu chuyển này.",
            "Only the sending point (or a province admin) can cancel this transfer.", field="id",
        )
    _refuse_unless_in_transit(transfer)
    reason = _clean_text(reason, limit=200, field="reason")
    if transfer.from_point_id:  # a producer's dispatch took no units from anywhere: nothing goes back
        lines = list(transfer.lines.order_by("id"))
        rows = _stock_rows(transfer.from_point_id, [line.variant_id for line in lines], create=True)
        ledger.apply(
            [ledger.Change(rows[line.variant_id], Kind.TRANSFER_IN, on_hand=line.quantity_sent) for line in lines],
            reason=f"Huỷ phiếu chuyển {transfer.number}: hàng trở lại điểm gửi {reason}",
            reference=reference(transfer), actor=user,
        )
    transfer.status, transfer.cancelled_by, transfer.cancelled_at = Status.CANCELLED, user, timezone.now()
    transfer.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    return transfer


def _may_act_on_source(user, transfer: Transfer) -> bool:
    """The sending point's staff; a producer's dispatch: a province admin only."""
    ids = point_ids_for(user)
    return ids is None or (transfer.from_point_id is not None and transfer.from_point_id in ids)


def may_receive(user, transfer: Transfer) -> bool:
    """For screens: whether to offer the receive form (the service decides anyway)."""
    ids = point_ids_for(user)
    return transfer.status == Status.SENT and (ids is None or transfer.to_point_id in ids)


def may_cancel(user, transfer: Transfer) -> bool:
    return transfer.status == Status.SENT and _may_act_on_source(user, transfer)


# -- lists -----------------------------------------------------------------------------------

def with_lines(transfers: QuerySet) -> QuerySet:
    """Transfers with their points, people and lines (with products): three queries for any number."""
    return transfers.select_related(
        "from_point__district", "from_producer", "to_point__district", "created_by", "received_by", "cancelled_by",
    ).prefetch_related(
        Prefetch("lines", queryset=TransferLine.objects.select_related("variant__product").order_by("id"))
    )


def visible_transfers(user, *, point_id: int | None = None, status: str | None = None) -> QuerySet:
    """The transfers from or to the user's points (all for a province admin), newest first;
    `point_id` narrows to one point the user works at."""
    require_staff(user)
    transfers = Transfer.objects.order_by("-sent_at", "-id")
    ids = point_ids_for(user)
    if ids is not None:
        transfers = transfers.filter(Q(from_point_id__in=ids) | Q(to_point_id__in=ids))
    if point_id is not None:
        require_point(user, point_id, field="pointId")
        transfers = transfers.filter(Q(from_point_id=point_id) | Q(to_point_id=point_id))
    if status is not None:
        if status not in Status.values:
            raise ShopError(StockErrorCode.INVALID_STATUS, "Trạng thái không hợp lệ.", "Unknown status.", field="status")
        transfers = transfers.filter(status=status)
    return transfers


@dataclass
class PointTransfers:
    incoming: list[Transfer]  # in transit to the point: to receive
    outgoing: list[Transfer]  # in transit from the point
    history: list[Transfer]  # received or cancelled, latest first


def point_transfers(*, user, point: SalesPoint) -> PointTransfers:
    require_point(user, point.pk, field="point")
    mine = Transfer.objects.order_by("-sent_at", "-id")
    in_transit = list(with_lines(mine.filter(Q(from_point=point) | Q(to_point=point), status=Status.SENT)))
    history = list(with_lines(
        mine.filter(Q(from_point=point) | Q(to_point=point)).exclude(status=Status.SENT)[:HISTORY_LIMIT]
    ))
    return PointTransfers(
        incoming=[t for t in in_transit if t.to_point_id == point.pk],
        outgoing=[t for t in in_transit if t.from_point_id == point.pk],
        history=history,
    )


def destinations(point: SalesPoint) -> QuerySet:
    """Where `point` may send stock: the other active points."""
    return SalesPoint.objects.filter(is_active=True).exclude(pk=point.pk).order_by("priority", "code")


def sendable(point: SalesPoint) -> list[Stock]:
    """The point's rows with free units, for the send form's choices."""
    return list(
        Stock.objects.filter(sales_point=point, quantity_on_hand__gt=F("quantity_allocated"))
        .select_related("variant__product").order_by("variant__product__name", "variant__position", "variant_id")
    )


# -- low stock -------------------------------------------------------------------------------

def low_stock(point_ids=None) -> list[Stock]:
    """Rows with a threshold whose free units (on hand − allocated) are at or below it, in one query:
    by point, then the furthest below their threshold first. `point_ids` None means every point."""
    rows = Stock.objects.filter(low_stock_threshold__isnull=False).alias(
        free=F("quantity_on_hand") - F("quantity_allocated"),
    ).filter(free__lte=F("low_stock_threshold")).annotate(
        below=F("quantity_on_hand") - F("quantity_allocated") - F("low_stock_threshold"),
    )
    if point_ids is not None:
        rows = rows.filter(sales_point_id__in=list(point_ids))
    return list(rows.select_related("variant__product", "sales_point__district").order_by(
        "sales_point__priority", "sales_point__code", "below", "variant__product__name", "variant_id",
    ))


def low_stock_for(user, point_id: int | None = None) -> list[Stock]:
    """`low_stock` of one point the user works at, or of all of them."""
    require_staff(user)
    if point_id is not None:
        require_point(user, point_id, field="pointId")
        return low_stock([point_id])
    return low_stock(point_ids_for(user))


@transaction.atomic
def set_threshold(*, user, value: int | None, stock_id: int | None = None, variant_id: int | None = None,
                  sales_point_id: int | None = None) -> Stock:
    """Set (or clear, with None) the low-stock threshold of a stock row, named by id or by variant and point."""
    require_staff(user)
    if stock_id is not None:
        stock = ledger.lock_ids([stock_id]).get(stock_id) if isinstance(stock_id, int) else None
        if stock is None:
            raise ShopError(StockErrorCode.STOCK_NOT_FOUND, "Không tìm thấy dòng tồn kho.", "Stock row not found.", field="stockId")
        require_point(user, stock.sales_point_id, field="stockId")
    else:
        require_point(user, sales_point_id, field="salesPointId")
        if not SalesPoint.objects.filter(pk=sales_point_id).exists():
            raise ShopError(CommonErrorCode.SALES_POINT_NOT_FOUND, "Không tìm thấy điểm bán.", "Sales point not found.",
                            field="salesPointId")
        if not isinstance(variant_id, int) or not ProductVariant.objects.filter(pk=variant_id).exists():
            raise ShopError(CommonErrorCode.VARIANT_NOT_FOUND, "Không tìm thấy sản phẩm.", "Product variant not found.",
                            field="variantId")
        stock = ledger.stock_row(variant_id=variant_id, sales_point_id=sales_point_id)
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ledger.MAX_QUANTITY:
            raise ShopError(StockErrorCode.INVALID_THRESHOLD, "Ngưỡng sắp hết phải là số nguyên từ 0 đến 1.000.000 (để trống nếu "
                            "không theo dõi).", "The low-stock threshold must be a whole number from 0 to 1,000,000 "
                            "(leave it empty to stop watching).", field="threshold")
    # Only the threshold: the numbers are the ledger's.
    Stock.objects.filter(pk=stock.pk).update(low_stock_threshold=value)
    stock.low_stock_threshold = value
    return stock
