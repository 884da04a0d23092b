"""Vietnamese text folding, shared by slugs and search, and the cleaning of text
customers type (clean_text: no control or bidi characters).

Python's NFD decomposition strips tones and marks but leaves 'đ' alone
(it is a letter of its own, not d + a mark), so it is mapped by hand.
"""
import re
import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """'Mật ong Điện Biên' -> 'mat ong dien bien': NFC, lowercase, đ→d, marks stripped."""
    decomposed = unicodedata.normalize("NFD", nfc(text).translate(_D).lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def slugify_vi(text: str, max_length: int = 80) -> str:
    """'Chẳm chéo M'Then' -> 'cham-cheo-m-then'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "x"


# Bidi embeddings, overrides and isolates, and the invisible direction marks: in a name or an
# address they make the text read differently on screen (and on a label) than it is stored.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _dropped(c: str) -> bool:
    """Control characters (C0, DEL, C1), bidi controls and lone surrogates (which no database stores)."""
    return c in _BIDI or unicodedata.category(c) in ("Cc", "Cs")


def has_hidden_characters(text: str) -> bool:
    """Does `text` hold a character clean_text would drop (a control, bidi or surrogate character)?"""
    return any(_dropped(c) for c in text or "")


def clean_text(value, *, multiline: bool = False) -> str:
    """Text a customer typed, safe to store and show: NFC, control and bidi characters removed,
    runs of white space made one space. With `multiline`, line breaks stay (as \\n, at most one
    blank line in a row); otherwise a line break or a tab is a space like any other."""
    text = nfc(value if isinstance(value, str) else "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n") if multiline else [text]
    # White space (tabs, line breaks, \u2028…) is kept for split() to turn into single spaces.
    lines = [" ".join("".join(c for c in line if c.isspace() or not _dropped(c)).split()) for line in lines]
    if not multiline:
        return lines[0]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
