"""Text messages (SMS) to customers, for buyers who gave a phone number and no e-mail.

Like Django's e-mail, the sending is a backend named in settings (SMS_BACKEND, a dotted path):

- `orders.sms.ConsoleBackend` (the default) writes each message to standard output;
- `orders.sms.FileBackend` appends each message as a JSON line to a file in SMS_FILE_PATH;
- `orders.sms.MemoryBackend` keeps them in `orders.sms.outbox` (tests).

No provider is reachable from here: a real one (eSMS, SpeedSMS, Viettel's brandname SMS, …) is a
subclass of `BaseBackend` whose `send` posts one message to its API and raises `SmsError` when it is
refused; docs/sms.md shows how. Sending happens in a background task (orders.tasks.send_sms) after
the transaction commits, retried with backoff like e-mails, so a provider that is down never undoes
an order.

Vietnamese with its marks is sent as UCS-2, 70 characters a part instead of 160: with SMS_ASCII
(the default) the text is sent without marks ("Don hang DB000123 da xac nhan"), which every
phone reads and which costs a third of the parts.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("orders.sms")

# What a phone can show in one GSM-7 part (160) and one UCS-2 part (70).
GSM_PART, UNICODE_PART = 160, 70


class SmsError(Exception):
    """The provider refused or could not be reached: the task retries."""


@dataclass(frozen=True)
class Message:
    to: str  # E.164: +84912345678
    text: str

    @property
    def parts(self) -> int:
        """How many SMS parts the provider bills (153/67 characters a part once split)."""
        ascii_only = all(ord(c) < 128 for c in self.text)
        single, multi = (GSM_PART, 153) if ascii_only else (UNICODE_PART, 67)
        n = len(self.text)
        return 1 if n <= single else -(-n // multi)


def without_marks(text: str) -> str:
    """'Đơn hàng đã xác nhận — 285.000 ₫' -> 'Don hang da xac nhan - 285.000 VND': ASCII for GSM-7."""
    text = re.sub(r"₫\s?(?=\d)", "VND ", text or "").replace("₫", "VND")
    text = text.replace("đ", "d").replace("Đ", "D")
    text = text.replace("—", "-").replace("–", "-").replace("“", '"').replace("”", '"').replace("’", "'")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and ord(c) < 128)


def prepare(text: str) -> str:
    """The text as it is sent: without marks when settings.SMS_ASCII, single spaces, trimmed."""
    text = " ".join((text or "").split())
    return without_marks(text) if getattr(settings, "SMS_ASCII", True) else text


class BaseBackend:
    """One SMS provider. `send` delivers one message and returns the provider's id for it (or "")."""

    def __init__(self, **options):
        self.options = options

    def send(self, message: Message) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Prints each message (development: `make run` shows it in the server's output)."""

    lock = threading.Lock()

    def send(self, message: Message) -> str:
        stream = self.options.get("stream") or sys.stdout
        with self.lock:
            stream.write(f"SMS to {message.to} ({message.parts} part{'s' if message.parts > 1 else ''}):\n"
                         f"{message.text}\n{'-' * 40}\n")
            stream.flush()
        return ""


class FileBackend(BaseBackend):
    """Appends each message, as one JSON line, to `sms.jsonl` in settings.SMS_FILE_PATH."""

    lock = threading.Lock()

    def send(self, message: Message) -> str:
        folder = Path(self.options.get("path") or settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": timezone.now().isoformat(), "to": message.to, "text": message.text,
                           "parts": message.parts}, ensure_ascii=False)
        with self.lock, open(folder / "sms.jsonl", "a", encoding="utf-8") as out:
            out.write(line + "\n")
        return ""


outbox: list[Message] = []


class MemoryBackend(BaseBackend):
    """Keeps the messages in `orders.sms.outbox` (tests)."""

    def send(self, message: Message) -> str:
        outbox.append(message)
        return str(len(outbox))


def get_backend(path: str | None = None, **options) -> BaseBackend:
    backend = import_string(path or settings.SMS_BACKEND)
    return backend(**{**getattr(settings, "SMS_OPTIONS", {}), **options})


def deliver(to: str, text: str) -> str:
    """Send one message now through the configured backend (the background task calls this)."""
    message = Message(to=to, text=prepare(text))
    provider_id = get_backend().send(message)
    logger.info("SMS to %s…%s sent (%s part(s))", to[:4], to[-3:], message.parts)
    return provider_id
