"""The verdicts in plain words (vi, en), shared by the trace page and the API."""
from traceability.verdicts import Verdict

VERDICT_TEXT = {
    Verdict.AUTHENTIC_FIRST_SCAN: (
        ("Hàng thật — lần quét đầu tiên", "Genuine — first scan"),
        ("Mã này do cửa hàng phát hành và chưa từng được quét trước đây.",
         "This code was issued by the shop and has never been scanned before."),
    ),
    Verdict.AUTHENTIC_SEEN_BEFORE: (
        ("Hàng thật — mã đã được quét trước đây", "Genuine — scanned before"),
        ("Mã này hợp lệ. Nếu gói hàng còn nguyên mà mã đã bị quét nhiều lần, hãy kiểm tra kỹ bao bì.",
         "This code is valid. If the pack is sealed but the code was scanned many times, check the packaging."),
    ),
    Verdict.SUSPICIOUS: (
        ("Cần kiểm tra — mã bị quét bất thường", "Check carefully — unusual scans"),
        ("Mã thật nhưng đã bị quét quá nhiều lần hoặc ở những nơi cách xa nhau trong thời gian ngắn: có thể bị sao chép. "
         "Hãy so bao bì với nơi bán chính thức và báo cho chúng tôi.",
         "The code is genuine but was scanned too often, or in far-apart places within a short time: it may have "
         "been copied. Compare the packaging with an official sales point and tell us."),
    ),
    Verdict.NOT_AUTHENTIC: (
        ("Không xác thực — mã sai hoặc giả", "Not authentic — wrong or forged code"),
        ("Chữ ký của mã không đúng: mã không do cửa hàng phát hành hoặc đã bị sửa. Đừng mua; hãy báo cho chúng tôi.",
         "The code's signature is wrong: the shop did not issue it, or it was altered. Do not buy; please tell us."),
    ),
    Verdict.UNKNOWN: (
        ("Không tìm thấy mã này", "Code not found"),
        ("Mã không có trong hệ thống. Hãy kiểm tra lại mã đã nhập, hoặc hỏi nơi bán.",
         "This code is not in our records. Check what you typed, or ask the seller."),
    ),
    Verdict.RECALLED: (
        ("Lô hàng đã bị thu hồi — đừng sử dụng", "Recalled — do not use"),
        ("Lô hàng này đã bị thu hồi. Hãy ngừng sử dụng và mang sản phẩm tới điểm bán.",
         "This lot has been recalled. Stop using it and bring it back to a sales point."),
    ),
}
VERDICT_CLASS = {
    Verdict.AUTHENTIC_FIRST_SCAN: "ok", Verdict.AUTHENTIC_SEEN_BEFORE: "ok", Verdict.SUSPICIOUS: "warn",
    Verdict.NOT_AUTHENTIC: "bad", Verdict.UNKNOWN: "unk", Verdict.RECALLED: "bad",
}
REASON_TEXT = {
    "many_scans": ("Mã này bị quét rất nhiều lần trong vài ngày qua.", "This code was scanned very often in the last days."),
    "far_apart": ("Mã này vừa được quét ở một nơi cách rất xa.", "This code was just scanned somewhere far away."),
    "more_scans_than_units": ("Mã lô bị quét nhiều hơn số gói của lô.", "The lot code was scanned more often than the lot has packs."),
    "bad_check_digit": ("Số kiểm tra của mã GTIN sai: mã vạch không hợp lệ.", "The GTIN's check digit is wrong: the barcode is invalid."),
    "serial_mismatch": ("Số sê-ri thuộc về một sản phẩm hoặc lô khác.", "The serial belongs to another product or lot."),
}

# A code that names a real product (its GTIN) but no lot or serial the shop issued for it:
# the label claims to be that product (services.TraceOutcome.unissued). The page warns and
# does not vouch for the product: no stars, no certificate, the report form first.
UNISSUED_TEXT = (
    ("Cảnh báo: mã này không được cấp cho sản phẩm này", "Warning: this code was not issued for this product"),
    ("Cửa hàng chưa từng cấp mã này. Đừng tin vào nhãn và đừng mua; hãy báo cho chúng tôi ngay bên dưới.",
     "The shop never issued this code. Do not trust the label and do not buy; please report it below."),
)
UNISSUED_CLAIM = ("Nhãn ghi là sản phẩm “{name}”, nhưng mã này không có trong hồ sơ của sản phẩm đó.",
                  "The label claims to be “{name}”, but this code is not in that product's records.")

# A lot-level code is printed on every pack of its lot: being scanned again says nothing
# about a pack, so its page says what the code is, not "scanned before" (items keep that).
LOT_CODE_TEXT = (
    ("Hàng thật — mã lô do cửa hàng phát hành", "Genuine — a lot code issued by the shop"),
    ("Mã này in trên mọi gói của cùng một lô, nên nhiều người quét cùng một mã là bình thường.",
     "This code is printed on every pack of the same lot, so many people scanning it is normal."),
)
