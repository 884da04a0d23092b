"""The bank-transfer panel of the order status page (storefront/templates/storefront/includes/vietqr.html):
the VietQR code large, as inline SVG, and the same facts as text, each with a copy button.

What to pay and into which account is orders.bank_transfers' to say; this only words it. The
words are picked here (vi/en) so the panel needs no catalogue entries of its own.
"""
import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils.safestring import mark_safe

from orders import bank_transfers, unpaid
from shop.errors import pick
from shop.money import format_vnd
from storefront import presenters


@dataclass
class Fact:
    id: str
    label: str
    value: str  # as shown
    copy: str  # what the copy button puts on the clipboard ("" = no button)


@dataclass
class TransferPanel:
    svg: str  # the QR code, an inline <svg> element (safe: made by segno from an ASCII payload)
    png_url: str
    facts: list
    deadline: str
    received: str  # a short transfer already received, and what is left
    words: dict


def _scalable(svg: str) -> str:
    """The SVG with a viewBox, so the page may draw it at any size (segno gives width and height only)."""
    return re.sub(r'^<svg width="(\d+)" height="(\d+)"', r'<svg viewBox="0 0 \1 \2" width="\1" height="\2"', svg,
                  count=1)


def panel(order) -> TransferPanel | None:
    """The panel of an order waiting for its transfer, else None (two queries, only for such orders)."""
    found = bank_transfers.instructions(order) if bank_transfers.waits_for_transfer(order) else None
    if found is None:
        return None
    t, lang = found.transfer, presenters.lang()
    title = pick(f"Mã VietQR chuyển khoản cho đơn {order.number}", f"VietQR bank transfer code for order {order.number}")
    facts = [
        Fact("transfer-bank", pick("Ngân hàng", "Bank"), f"{t.bank.short_name} — {t.bank.name}", ""),
        Fact("transfer-account", pick("Số tài khoản", "Account number"), t.account_number, t.account_number),
        Fact("transfer-name", pick("Chủ tài khoản", "Account holder"), t.account_name, t.account_name),
        Fact("transfer-amount", pick("Số tiền", "Amount"), format_vnd(t.amount_vnd, lang), str(t.amount_vnd)),
        Fact("transfer-content", pick("Nội dung chuyển khoản", "Transfer content"), t.content, t.content),
    ]
    deadline = ""
    if found.expires_at:
        deadline = unpaid.deadline_notice(order, lang)
    received = ""
    if found.received_vnd:
        received = pick(
            f"Cửa hàng đã nhận {format_vnd(found.received_vnd, 'vi')} trên tổng {format_vnd(found.due_vnd, 'vi')}; "
            f"hãy chuyển nốt {format_vnd(t.amount_vnd, 'vi')}, hoặc chờ cửa hàng liên hệ.",
            f"The shop received {format_vnd(found.received_vnd, 'en')} of {format_vnd(found.due_vnd, 'en')}; transfer "
            f"the remaining {format_vnd(t.amount_vnd, 'en')}, or wait for the shop to contact you.",
        )
    return TransferPanel(
        svg=mark_safe(_scalable(t.svg(scale=6, title=title))),  # noqa: S308 - segno's SVG of an ASCII payload
        png_url=reverse("vietqr-png", kwargs={"token": order.token}),
        facts=facts, deadline=deadline, received=received,
        words={
            "title": pick("Chuyển khoản bằng mã VietQR", "Pay by bank transfer (VietQR)"),
            "scan": pick("Mở ứng dụng ngân hàng, chọn quét mã QR và quét mã này: số tài khoản, số tiền và nội dung "
                         "được điền sẵn. Hoặc chuyển khoản theo thông tin bên dưới, ghi đúng nội dung.",
                         "Open your banking app, choose to scan a QR code and scan this one: the account, amount and "
                         "content are filled in for you. Or transfer with the details below, with exactly this "
                         "content."),
            "copy": pick("Chép", "Copy"),
            "copied": pick("Đã chép", "Copied"),
            "save": pick("Lưu ảnh mã QR (để mở trong ứng dụng ngân hàng trên điện thoại này)",
                         "Save the QR image (to open in a banking app on this phone)"),
            "auto": pick("Đơn được xác nhận tự động khi tiền về; trang này sẽ hiện “Đã thanh toán”.",
                         "The order is confirmed automatically when the money arrives; this page then says “Paid”."),
            "image": title,
        },
    )
