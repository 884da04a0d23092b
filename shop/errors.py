"""Errors a user may see: a code for programs, a message for people.

Every service raises `ShopError` (or a subclass) with the message in both of
the shop's languages; whoever shows it (GraphQL payload, form, admin) picks
the language of the request. Messages say what to do, not only what failed.
"""
from django.utils import translation


def pick(vi: str, en: str | None = None, language: str | None = None) -> str:
    """The Vietnamese or English text, by the active (or given) language."""
    language = (language or translation.get_language() or "vi")[:2]
    return en if language == "en" and en else vi


class ShopError(Exception):
    def __init__(self, code: str, message_vi: str, message_en: str | None = None, *, field: str | None = None):
        super().__init__(message_vi)
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        self.field = field

    @property
    def message(self) -> str:
        return pick(self.message_vi, self.message_en)

    def __str__(self) -> str:
        return self.message_vi
