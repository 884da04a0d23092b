"""The bank-feed webhook (/webhooks/bank-transfer/): who may call it, and the shapes it reads.

Vietnamese bank-feed services watch the shop's accounts and POST each transaction. Two shapes
are read, as their public documentation gives them:

- SePay: one transaction per call, a JSON object — `id` (SePay's transaction id), `gateway`
  (the bank), `transactionDate` ("2025-03-25 14:02:37", Vietnam time), `accountNumber`,
  `content` (the transfer content as the bank wrote it), `transferType` ("in" | "out"),
  `transferAmount`, `referenceCode` (the bank's reference), `code`, `accumulated`, …
- Casso: `{"error": 0, "data": [...]}` — `data` a list of transactions (or one object, as its
  newer webhook sends), each with `id` (Casso's id), `tid` (the bank's reference),
  `description`, `amount` (negative for money going out), `when`, `bank_sub_acc_id` (the
  account), `subAccId`, …

Outgoing transactions are ignored (answered, not recorded). Each incoming one is handed to
orders.bank_transfers.record, recorded once per (provider, id): a redelivery answers 200 and
changes nothing, as both services expect (they retry anything else).

Authentication, configured in settings (with neither set every call is refused — 403 — except
with DEBUG and BANK_WEBHOOK_ALLOW_UNAUTHENTICATED, for development):

- BANK_WEBHOOK_API_KEY: sent as `Authorization: Apikey <key>` (SePay's API-key option) or
  `Secure-Token: <key>` (Casso's);
- BANK_WEBHOOK_SECRET: an HMAC-SHA256 signature, `X-SePay-Signature: sha256=<hex>` over
  "<X-SePay-Timestamp>.<raw body>", the timestamp (Unix seconds) within
  BANK_WEBHOOK_TOLERANCE_SECONDS of now either way (an old captured call cannot be replayed).

Keys and signatures are compared in constant time. Missing or wrong credentials: 401, nothing
is read. A body over BANK_WEBHOOK_MAX_BYTES: 413. A body that is not JSON, or not one of the
shapes: 400 with what is wrong; never a 500.
"""
import datetime
import hashlib
import hmac
import json
import logging
import re
import time
import unicodedata

from django.conf import settings
from django.utils import timezone

from orders import bank_transfers
from orders.models import BankTransaction

logger = logging.getLogger("orders.webhooks")

MAX_TRANSACTIONS = 200  # in one Casso call
MAX_AMOUNT = 10**13  # đồng; anything larger is not a bank transfer
_ID = re.compile(r"[A-Za-z0-9_.:/-]{1,64}")


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# -- who may call --------------------------------------------------------------------------------

def _bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(_bytes(given), _bytes(expected))


def _api_key(headers) -> str | None:
    auth = headers.get("Authorization", "")
    scheme, _, value = auth.strip().partition(" ")
    if scheme.lower() == "apikey" and value.strip():
        return value.strip()
    token = headers.get("Secure-Token", "")
    return token.strip() or None


def _signature_ok(body: bytes, headers, secret: str, now: float) -> bool:
    signature = headers.get("X-SePay-Signature", "").strip()
    stamp = headers.get("X-SePay-Timestamp", "").strip()
    if not signature or not stamp.isdigit() or len(stamp) > 12:
        return False
    if abs(now - int(stamp)) > settings.BANK_WEBHOOK_TOLERANCE_SECONDS:
        return False
    if signature.lower().startswith("sha256="):
        signature = signature[7:]
    expected = hmac.new(_bytes(secret), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return _same(signature.lower(), expected)


def authenticate(body: bytes, headers, now: float | None = None) -> str:
    """How the call proved itself ("api key", "signature"), or Refused (403 unconfigured, 401 wrong)."""
    key, secret = settings.BANK_WEBHOOK_API_KEY, settings.BANK_WEBHOOK_SECRET
    if not key and not secret:
        if settings.DEBUG and settings.BANK_WEBHOOK_ALLOW_UNAUTHENTICATED:
            return "unauthenticated (DEBUG)"
        raise Refused(403, "The bank webhook is not configured: set BANK_WEBHOOK_API_KEY or BANK_WEBHOOK_SECRET.")
    given = _api_key(headers) if key else None
    if given is not None and _same(given, key):
        return "api key"
    if secret and _signature_ok(body, headers, secret, time.time() if now is None else now):
        return "signature"
    raise Refused(401, "Missing or wrong credentials (Authorization: Apikey …, Secure-Token, or X-SePay-Signature).")


# -- what it says ----------------------------------------------------------------------------------

def _clean(value):
    """The raw payload as stored: no NUL and no lone surrogate (which no database keeps), same shape."""
    if isinstance(value, str):
        return "".join(c for c in value if c != "\x00" and unicodedata.category(c) != "Cs")
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    return value


def _text(value, limit: int) -> str:
    return _clean(value)[:limit] if isinstance(value, str) else ""


def _amount(value, where: str) -> int:
    """Whole đồng: an integer, a float without decimals, or a string of digits (an optional minus)."""
    if isinstance(value, bool) or value is None:
        raise Refused(400, f"{where}: the amount is missing.")
    if isinstance(value, float):
        if not value.is_integer():
            raise Refused(400, f"{where}: the amount {value!r} is not whole đồng.")
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?[0-9]{1,16}", text):
            raise Refused(400, f"{where}: the amount {value[:20]!r} is not a number of đồng.")
        value = int(text)
    if not isinstance(value, int):
        raise Refused(400, f"{where}: the amount is a {type(value).__name__}, not a number.")
    if abs(value) > MAX_AMOUNT:
        raise Refused(400, f"{where}: the amount {value} is out of range.")
    return value


def _id(value, where: str) -> str:
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not _ID.fullmatch(text):
        raise Refused(400, f"{where}: a transaction id (1–64 letters, digits, . _ : / -) is required.")
    return text


def _when(value) -> datetime.datetime | None:
    """The bank's time ("2025-03-25 14:02:37", Vietnam time, or ISO 8601); None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.strip()[:40])
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _sepay(data: dict) -> tuple[list, int]:
    direction = data.get("transferType")
    if direction == "out":
        return [], 1
    if direction not in ("in", None):
        raise Refused(400, f"SePay: transferType must be \"in\" or \"out\", not {str(direction)[:20]!r}.")
    amount = _amount(data.get("transferAmount"), "SePay")
    if amount <= 0:
        return [], 1
    return [bank_transfers.Incoming(
        provider=BankTransaction.Provider.SEPAY, transaction_id=_id(data.get("id"), "SePay"), amount_vnd=amount,
        content=_text(data.get("content"), 500) or _text(data.get("description"), 500),
        account_number=_text(data.get("accountNumber"), 32), reference=_text(data.get("referenceCode"), 64),
        bank_time=_when(data.get("transactionDate")), raw=_clean(data),
    )], 0


def _casso(data: dict) -> tuple[list, int]:
    items = data.get("data")
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise Refused(400, "Casso: `data` must be a list of transactions (or one transaction).")
    if len(items) > MAX_TRANSACTIONS:
        raise Refused(400, f"Casso: at most {MAX_TRANSACTIONS} transactions in one call.")
    found, ignored = [], 0
    for i, item in enumerate(items):
        where = f"Casso data[{i}]"
        if not isinstance(item, dict):
            raise Refused(400, f"{where}: a transaction is a JSON object.")
        amount = _amount(item.get("amount"), where)
        if amount <= 0:  # money going out of the account
            ignored += 1
            continue
        found.append(bank_transfers.Incoming(
            provider=BankTransaction.Provider.CASSO, transaction_id=_id(item.get("id", item.get("tid")), where),
            amount_vnd=amount, content=_text(item.get("description"), 500),
            account_number=_text(item.get("bank_sub_acc_id") or item.get("accountNumber") or "", 32),
            reference=_text(item.get("tid"), 64), bank_time=_when(item.get("when")), raw=_clean(item),
        ))
    return found, ignored


def parse(body: bytes) -> tuple[str, list, int]:
    """(provider, incoming transactions, how many outgoing were ignored), or Refused(400)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Refused(400, "The body is not UTF-8 text.") from None
    except (ValueError, RecursionError) as exc:
        raise Refused(400, f"The body is not valid JSON ({exc.__class__.__name__}).") from None
    if not isinstance(data, dict):
        raise Refused(400, f"Expected a JSON object, got a JSON {type(data).__name__}.")
    if "data" in data:
        return BankTransaction.Provider.CASSO, *_casso(data)
    if "transferAmount" in data or "transferType" in data:
        return BankTransaction.Provider.SEPAY, *_sepay(data)
    raise Refused(400, "Neither a SePay transaction (transferAmount, transferType) nor a Casso call (data).")


# -- the whole call ----------------------------------------------------------------------------------

def handle(body: bytes, headers) -> tuple[int, dict]:
    """(HTTP status, JSON answer) for one webhook call."""
    try:
        how = authenticate(body, headers)
        provider, incoming, ignored = parse(body)
    except Refused as exc:
        logger.warning("bank webhook refused (%s): %s", exc.status, exc.message)
        return exc.status, {"success": False, "message": exc.message}
    results = []
    for item in incoming:
        tx, created = bank_transfers.record(item)
        outcome = "duplicate" if not created else (
            tx.status.lower() + (f":{tx.reason.lower()}" if tx.status == BankTransaction.Status.NEEDS_REVIEW else ""))
        results.append({"id": item.transaction_id, "outcome": outcome})
    logger.info("bank webhook (%s, %s): %s; %s outgoing ignored", provider, how, results, ignored)
    return 200, {"success": True, "results": results, "ignored": ignored}
