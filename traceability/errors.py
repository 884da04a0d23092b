"""Traceability's error codes (see shop.errors): lots, trace events, recalls, labels, problem reports.
The short codes (`quantity`, `uom`, …) predate this enum and are kept as API clients know them."""
from shop.errors import ErrorCode


class TraceabilityErrorCode(ErrorCode):
    BATCH_NOT_FOUND = "batch_not_found", "No lot has this ID or lot code."
    BATCH_AMBIGUOUS = "batch_ambiguous", "Several products have a lot with this code; give the GTIN or SKU too."
    LOT_EXISTS = "lot_exists", "The variant already has a lot with this code."
    INVALID_LOT_CODE = "lot_code", "A lot code other than unaccented letters, digits and dashes (at most 20)."
    INVALID_QUANTITY = "quantity", "A lot quantity below 1."
    INVALID_PRODUCTION_DATE = "production_date", "A production date in the future."
    INVALID_EXPIRY_DATE = "expiry_date", "An expiry date not after the production date."
    INVALID_DOCUMENT_URL = "document_url", "A quality document link that is not https://."
    INVALID_BIZ_STEP = "biz_step", "A business step that is not a CBV step (or harvesting)."
    INVALID_DISPOSITION = "disposition", "A disposition that is not in the CBV vocabulary."
    INVALID_EVENT_TIME = "event_time", "An event time without a time-zone offset, or in the future."
    INVALID_UOM = "uom", "A unit that is not a UN/CEFACT code (KGM, LTR, H87…)."
    REASON_REQUIRED = "reason", "A recall without a reason of at least 5 characters (buyers read it)."
    ALREADY_RECALLED = "already_recalled", "The lot is already recalled."
    INVALID_COUNT = "count", "A number of codes to mint outside the allowed range."
    BATCH_RECALLED = "recalled", "Printing new labels for a recalled lot."
    DEMO_GTIN = "demo_gtin", "Printing production labels for a GTIN with GS1's demonstration prefix 952."
    MINT_FAILED = "mint_failed", "New serial codes could not be made unique; try again."
    MESSAGE_REQUIRED = "message", "A problem report shorter than 5 characters."
    TOO_MANY_REPORTS = "too_many_reports", "Too many problem reports from this client today."
    LOGIN_REQUIRED = "login_required", "Managing lots without signing in as a producer's or the province's account."
    FORBIDDEN = "forbidden", "The account does not manage this producer's lots."
