"""Text analysis shared by both backends: words, folding, synonyms, and the
parsed form of a visitor's query.

A query becomes *groups*, one per word or synonym phrase the visitor typed;
a product matches when every group matches (with a fallback to any group
when nothing does). A group has *alternatives*: the typed words, their
synonyms, and for a word the index does not know, the known words one edit
away (a typo).
"""
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from shop.text import fold, nfc

SYNONYMS_FILE = Path(__file__).resolve().parent / "synonyms.txt"
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 10
MIN_PREFIX = 2  # a last word this long or longer also matches as a prefix
MIN_FUZZY = 3  # words this long or longer get typo alternatives
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """NFC, lowercase words with their accents: 'Mật ong (500 g)' -> ['mật', 'ong', '500', 'g']."""
    return _WORD.findall(nfc(text).lower())


def folded_words(text: str) -> list[str]:
    return [fold(w) for w in words(text)]


def has_marks(word: str) -> bool:
    return fold(word) != word


# -- synonyms -----------------------------------------------------------------------

@dataclass(frozen=True)
class Phrase:
    exact: tuple[str, ...]
    folded: tuple[str, ...]


def parse_synonyms(text: str) -> list[tuple[Phrase, ...]]:
    lines = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        phrases = []
        for part in line.split(","):
            exact = tuple(words(part))
            if exact:
                phrases.append(Phrase(exact, tuple(fold(w) for w in exact)))
        if len(phrases) > 1:
            lines.append(tuple(phrases))
    return lines


@lru_cache(maxsize=1)
def synonym_lines() -> tuple[tuple[Phrase, ...], ...]:
    return tuple(parse_synonyms(SYNONYMS_FILE.read_text("utf-8")))


def folded_synonym_lines() -> list[str]:
    """The synonyms file as Elasticsearch's synonym_graph filter wants it after asciifolding."""
    seen, out = set(), []
    for line in synonym_lines():
        folded = ", ".join(dict.fromkeys(" ".join(p.folded) for p in line))
        if "," in folded and folded not in seen:
            seen.add(folded)
            out.append(folded)
    return out


@lru_cache(maxsize=1)
def _synonym_index() -> dict[str, list[tuple[Phrase, tuple[Phrase, ...]]]]:
    index: dict[str, list] = {}
    for line in synonym_lines():
        for phrase in line:
            index.setdefault(phrase.folded[0], []).append((phrase, line))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0].folded))  # longest phrase first
    return index


def _accents_agree(typed: list[str], phrase: Phrase) -> bool:
    """'dua' may be dứa or dưa; 'dưa' is not dứa. A typed word without marks
    agrees with any accents; a word with marks only with the same word."""
    return all(not has_marks(t) or t == e for t, e in zip(typed, phrase.exact, strict=False))


# -- queries --------------------------------------------------------------------------

ORIGINAL, SYNONYM, FUZZY = "original", "synonym", "fuzzy"


@dataclass(frozen=True)
class Alternative:
    words: tuple[str, ...]  # folded
    kind: str = ORIGINAL
    prefix: bool = False  # the last word may be the start of a longer word
    exact: tuple[str, ...] | None = None  # a synonym with accents matches only those accents ("dứa", not "dưa")


@dataclass
class Group:
    typed: tuple[str, ...]  # the visitor's words (accents kept) this group stands for
    alternatives: list[Alternative] = field(default_factory=list)


@dataclass
class ParsedQuery:
    text: str
    typed: list[str]
    groups: list[Group]
    folded: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.folded = [fold(w) for w in self.typed]

    @property
    def is_empty(self) -> bool:
        return not self.groups


def parse_query(text: str, *, vocabulary=None, prefix_last: bool = True, prefix_all: bool = False) -> ParsedQuery:
    """Parse what a visitor typed. Never raises: anything that is not a word
    (quotes, `*`, `-`, emoji, Lucene or FTS5 syntax) is simply not a word.

    `vocabulary` (an object with `known(word)` and `near(word)`) adds typo
    alternatives for words the index does not hold.
    """
    text = nfc(text or "")[:MAX_QUERY_CHARS]
    typed = words(text)[:MAX_QUERY_WORDS]
    folded = [fold(w) for w in typed]
    groups: list[Group] = []
    i = 0
    index = _synonym_index()
    while i < len(typed):
        span, line = 1, None
        for phrase, candidate in index.get(folded[i], ()):
            n = len(phrase.folded)
            if tuple(folded[i : i + n]) == phrase.folded and _accents_agree(typed[i : i + n], phrase):
                span, line = n, candidate
                break
        is_last = i + span == len(typed)
        own = tuple(folded[i : i + span])
        may_prefix = (prefix_all or (prefix_last and is_last)) and len(own[-1]) >= MIN_PREFIX
        group = Group(typed=tuple(typed[i : i + span]), alternatives=[Alternative(own, ORIGINAL, may_prefix)])
        if line:
            for phrase in line:
                if phrase.folded != own:
                    marked = any(has_marks(w) for w in phrase.exact)
                    group.alternatives.append(Alternative(phrase.folded, SYNONYM, False, phrase.exact if marked else None))
        elif vocabulary is not None and len(own[0]) >= MIN_FUZZY and not own[0].isdigit() and not vocabulary.known(own[0]):
            for near in sorted(vocabulary.near(own[0])):
                group.alternatives.append(Alternative((near,), FUZZY, False))
        groups.append(group)
        i += span
    return ParsedQuery(text=text, typed=typed, groups=groups)


# -- typo tolerance -------------------------------------------------------------------

def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance ≤ 1 (one insertion, deletion, substitution or swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


class Vocabulary:
    """The folded words of the index, with a symmetric-delete map for typos."""

    def __init__(self, terms):
        self.terms = set(terms)
        self._deletes: dict[str, set[str]] | None = None

    def known(self, word: str) -> bool:
        return word in self.terms

    def _delete_map(self):
        if self._deletes is None:
            deletes: dict[str, set[str]] = {}
            for term in self.terms:
                if len(term) >= MIN_FUZZY - 1 and not term.isdigit():
                    for d in _deletes(term):
                        deletes.setdefault(d, set()).add(term)
            self._deletes = deletes
        return self._deletes

    def near(self, word: str) -> set[str]:
        """Known words one edit away from `word`."""
        deletes = self._delete_map()
        candidates = set()
        if word in deletes:  # word + one letter
            candidates |= deletes[word]
        for d in _deletes(word):
            if d in self.terms:  # word minus one letter
                candidates.add(d)
            candidates |= deletes.get(d, set())  # substitution or swap
        return {c for c in candidates if c != word and within_one_edit(word, c)}
