"""Vietnamese text folding, shared by slugs and search.

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
