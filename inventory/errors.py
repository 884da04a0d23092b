"""Stock error codes (see shop.errors): the ledger, sale holds, transfers and low-stock thresholds."""
from shop.errors import ErrorCode


class StockErrorCode(ErrorCode):
    # the ledger (inventory/ledger.py)
    OUT_OF_STOCK = "out_of_stock", (
        "The units ran out while the change was made (another order took them); nothing was written.")
    INVALID_QUANTITY = "invalid_quantity", (
        "A quantity outside its range: stock 0–1,000,000, an adjustment non-zero, a transfer line a whole "
        "number within the limit.")
    REASON_REQUIRED = "reason_required", "A stock change without a reason of 3–300 characters."
    BELOW_ALLOCATED = "below_allocated", "The stock would go below the units reserved for open orders."
    STOCK_NOT_FOUND = "stock_not_found", "No stock row has this ID."
    # sale holds (inventory/holds.py)
    HOLD_NOTE_REQUIRED = "note", "Lifting a sale hold without saying why (at least 5 characters)."
    # transfers between sales points (inventory/transfers.py)
    TRANSFER_NOT_FOUND = "transfer_not_found", "No transfer has this ID, or it is not one of the user's points'."
    ALREADY_RECEIVED = "already_received", "The transfer was already received; it cannot be received or cancelled again."
    TRANSFER_CANCELLED = "transfer_cancelled", "The transfer was cancelled; its units went back to the sending point."
    LINES_REQUIRED = "lines_required", "A transfer without any line."
    TOO_MANY_LINES = "too_many_lines", "A transfer with more lines than allowed; split it."
    SAME_POINT = "same_point", "The receiving point is the sending point."
    POINT_CLOSED = "point_closed", "The receiving point is closed."
    INSUFFICIENT_STOCK = "insufficient_stock", (
        "The sending point has fewer free units than the line asks for (units reserved for orders stay).")
    INVALID_LINE = "invalid_line", "A received line that is not part of the transfer."
    DUPLICATE_LINE = "duplicate_line", "A line counted twice in one receipt."
    RECEIVED_TOO_MANY = "received_too_many", "A count of more than twice the units sent."
    DISCREPANCY_NOTE_REQUIRED = "discrepancy_note_required", "A count that differs from what was sent, without a note why."
    NOTE_TOO_LONG = "note_too_long", "A note longer than allowed."
    INVALID_STATUS = "invalid_status", "A transfer status filter that is not a transfer status."
    INVALID_THRESHOLD = "invalid_threshold", "A low-stock threshold that is not a whole number from 0 to 1,000,000."
