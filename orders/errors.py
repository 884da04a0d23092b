"""Orders' error codes (see shop.errors): the checkout, orders and fulfilments, payments."""
from shop.errors import ErrorCode


class CheckoutErrorCode(ErrorCode):
    CHECKOUT_NOT_FOUND = "checkout_not_found", "No checkout has this token (it may have expired), or it is another customer's."
    CHECKOUT_COMPLETED = "checkout_completed", "The checkout is already an order."
    LINE_NOT_FOUND = "line_not_found", "The checkout has no line with this ID."
    EMPTY_CHECKOUT = "empty_checkout", "Completing a checkout without lines."
    INVALID_QUANTITY = "invalid_quantity", "A line quantity outside 1 to the per-line limit (ORDER_MAX_LINE_QUANTITY)."
    TOO_MANY_UNITS = "too_many_units", "More units in all than an order may have (ORDER_MAX_ORDER_QUANTITY)."
    TOO_MANY_LINES = "too_many_lines", "More lines than an order may have (ORDER_MAX_LINES)."
    VARIANT_NOT_AVAILABLE = "variant_not_available", "The product is unpublished or no longer on sale."
    VARIANT_NOT_SELLABLE = "variant_not_sellable", "The product has no OCOP certificate that allows its sale."
    VARIANT_ON_HOLD = "variant_on_hold", "The product is off sale for now (a sale hold, e.g. a lot recall)."
    INSUFFICIENT_STOCK = "insufficient_stock", "Fewer units are available than the line asks for; the message says how many."
    OUT_OF_STOCK = "out_of_stock", "No point, or set of points, has the units any more; the message lists the short items."
    INSUFFICIENT_STOCK_AT_PICKUP_POINT = "insufficient_stock_at_pickup_point", (
        "The chosen pickup point lacks some units; choose another point or lower the quantity.")
    PICKUP_POINT_UNAVAILABLE = "pickup_point_unavailable", "The pickup point is closed today or offers no pickup."
    COMMUNE_NOT_SERVED = "commune_not_served", "No delivery to this commune yet."
    CANNOT_SHIP_THERE = "cannot_ship_there", (
        "Some lines' products may not travel to the address (fresh produce: in-province only, or too far for its "
        "transit days); the message names them.")
    DELIVERY_METHOD_REQUIRED = "delivery_method_required", (
        "Neither or both of a pickup point and a shipping address, or completing without a delivery method.")
    INVALID_NAME = "invalid_name", "A recipient name that is not 2–120 characters."
    INVALID_ADDRESS = "invalid_address", "A street address that is not 5–300 characters."
    PHONE_REQUIRED = "phone_required", "Delivery to an address without the recipient's phone number."
    INVALID_PHONE = "invalid_phone", "A phone number that is not a Vietnamese number."
    INVALID_EMAIL = "invalid_email", "A malformed e-mail address."
    CONTACT_REQUIRED = "contact_required", "Neither an e-mail nor a phone number to hear about the order."
    INVALID_LANGUAGE = "invalid_language", "A language other than vi or en."
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key", "An idempotencyKey longer than 80 characters."
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", "The idempotencyKey was already used for another checkout."
    INVALID_PAYMENT_METHOD = "invalid_payment_method", "An unknown payment method."
    PAYMENT_METHOD_NOT_ALLOWED = "payment_method_not_allowed", (
        "Cash on delivery with pickup, or pay at pickup with delivery.")
    TOO_MANY_OPEN_ORDERS = "too_many_open_orders", (
        "The customer (or their network) already has the most unpaid orders holding stock that are allowed.")


class OrderErrorCode(ErrorCode):
    ORDER_NOT_FOUND = "order_not_found", "No order has this token or ID (or it is not one of the user's points')."
    ALREADY_CANCELLED = "already_cancelled", "The order is already cancelled."
    ALREADY_HANDED_OVER = "already_handed_over", "Some goods were already handed over, so the customer cannot cancel."
    FULFILLMENT_NOT_FOUND = "fulfillment_not_found", "No fulfilment has this ID (or it is not one of the user's points')."
    INVALID_STATUS = "invalid_status", "An unknown fulfilment status."
    ILLEGAL_TRANSITION = "illegal_transition", "The fulfilment cannot go to that status from its current one."
    ORDER_NOT_CONFIRMED = "order_not_confirmed", "The order is not confirmed (card payment pending, or cancelled)."
    PAYMENT_NOT_COLLECTED = "payment_not_collected", (
        "Handing over a pay-at-pickup order, or delivering a cash-on-delivery one, before its cash is recorded.")
    REASON_REQUIRED = "reason_required", "Cancelling a fulfilment without a reason of 3–300 characters."
    INVALID_DAYS = "invalid_days", "Extending an unpaid order's hold by a number of days outside the allowed range."
    HOLD_NOT_EXTENDABLE = "hold_not_extendable", "The order no longer holds units awaiting payment."
    CARRIER_REQUIRED = "carrier_required", (
        "Shipping a parcel outside the province without its carrier and tracking number.")
    UNKNOWN_CARRIER = "unknown_carrier", "A carrier code that is not one of the configured carriers (ORDER_CARRIERS)."
    INVALID_TRACKING_NUMBER = "invalid_tracking_number", (
        "A tracking number that is not 4–40 letters, digits and . - _ (or one without its carrier).")
    LOOKUP_NOT_FOUND = "lookup_not_found", (
        "Order lookup: no order has this number with this phone (the same answer for a wrong number and a wrong phone).")
    LOOKUP_THROTTLED = "lookup_throttled", (
        "Order lookup: too many failed tries from this address or for this order number; the message says how long to wait.")


class PaymentErrorCode(ErrorCode):
    CARD_PAYMENTS_UNAVAILABLE = "card_payments_unavailable", "Card payments are not set up; pay another way."
    PAYMENT_PROVIDER_ERROR = "payment_provider_error", (
        "The card payment service failed; the order is kept and held, try again in a few minutes.")
    NOT_CASH_ORDER = "not_cash_order", "Recording cash for an order paid by card."
    ORDER_CANCELLED = "order_cancelled", "Recording cash for a cancelled order."
    ALREADY_PAID = "already_paid", "Recording cash for an order already paid."
    AMOUNT_MISMATCH = "amount_mismatch", "The cash recorded is not what the order owes; the message gives the amount."
    VIETQR_BAD_BIN = "vietqr_bad_bin", "A receiving account whose bank BIN is not 6 digits."
    VIETQR_BAD_ACCOUNT = "vietqr_bad_account", "A receiving account number with characters a VietQR cannot carry."
    VIETQR_BAD_AMOUNT = "vietqr_bad_amount", "A bank-transfer amount outside what a VietQR carries."
    VIETQR_BAD_CONTENT = "vietqr_bad_content", "A transfer content that is not uppercase plain letters and digits."
    VIETQR_BAD_ACCOUNT_NAME = "vietqr_bad_account_name", "A receiving account holder's name missing or not in plain letters."
    VIETQR_UNKNOWN_BANK = "vietqr_unknown_bank", "The receiving account's bank is no longer on NAPAS's list."
    VIETQR_NO_ACCOUNT = "vietqr_no_account", "No account receives bank transfers; pay another way."
    TRANSFER_UNAVAILABLE = "transfer_unavailable", (
        "Bank transfer is not offered for this order: no receiving account for its sales point, or a total above "
        "what one transfer may carry.")
    NOT_TRANSFER_ORDER = "not_transfer_order", "Recording a bank transfer for an order that is not paid by transfer."
    INVALID_REFERENCE = "invalid_reference", (
        "A bank reference that is empty, longer than 64 characters, or not letters, digits and . _ - / :.")
    REFERENCE_REUSED = "reference_reused", "The bank reference was already recorded for another order or amount."
    TRANSACTION_NOT_FOUND = "transaction_not_found", (
        "No bank transaction has this ID (or it is not one of the user's points').")
    TRANSACTION_RESOLVED = "transaction_resolved", "The bank transaction was already matched or resolved."
    NOTE_REQUIRED = "note_required", "Resolving a bank transaction without a note of 3–300 characters."
    PARTIAL_NEEDS_PROVINCE_ADMIN = "partial_needs_province_admin", (
        "Accepting less than an order's amount as its full payment is for province admins.")
    TRANSFER_NOT_ACCEPTABLE = "transfer_not_acceptable", (
        "The transfer cannot pay an order: it names none, or its order is cancelled or already paid.")
