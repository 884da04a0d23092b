"""Relevance ranking of the embedded backend.

`score()` is the precise ranking. It prefers, in this order of weight: words
in the name, in the English name and keywords, in the producer and place
names, in the description; original words over synonyms over typo
corrections; whole words over prefixes. Bonuses for the whole query in the
name, for words typed with the accents the name has (so "dưa" is dưa mèo,
not dứa), and a small one for short names.

It costs a few microseconds a product, too much for a broad query ("tra",
"honey") that matches thousands, so `rank()` first orders every hit by a
coarse score worked out with set operations over the in-memory word index
(per group of the query, the heaviest field and kind it matches; the bonuses
for all groups in the name and for the whole query side by side), and
scores precisely only the first PRECISE.
A query with fewer hits than that is ranked exactly.
"""
from itertools import islice

from search import analysis
from search.memory import Doc, MemoryIndex
from shop.text import fold

WEIGHTS = (10.0, 7.0, 5.0, 1.5)  # name, en, place, body (documents.FIELDS): heaviest first
KIND = {analysis.ORIGINAL: 1.0, analysis.SYNONYM: 0.85, analysis.FUZZY: 0.6}
PREFIX_MATCH = 0.75
ALL_IN_NAME = 8.0
PHRASE_IN_NAME = 6.0
PHRASE_ELSEWHERE = 0.6  # of the field's weight
PRECISE = 200


class Compiled:
    """What ranking needs from a query, worked out once rather than per product."""

    def __init__(self, parsed: analysis.ParsedQuery):
        # per group: (folded words, may be a prefix, kind weight, accents that must match or None)
        self.alternatives = [
            [(a.words, a.prefix, KIND[a.kind], a.exact) for a in g.alternatives] for g in parsed.groups
        ]
        self.groups = []  # per group: (whole, prefix or None, kind weight, accents must match)
        for alts in self.alternatives:
            padded = []
            for words, prefix, kind, exact in alts:
                text = " ".join(exact or words)
                padded.append((f" {text} ", f" {text}" if prefix else None, kind, bool(exact)))
            self.groups.append(padded)
        self.words = tuple(parsed.folded)
        folded = " ".join(parsed.folded)
        self.phrase = f" {folded}" if folded else None
        self.phrase_whole = f" {folded} " if len(parsed.folded) > 1 else None
        self.starts = [whole for whole, _, _, exact in (self.groups[0] if self.groups else []) if not exact]
        self.marked = [(f" {w} ", f" {fold(w)} ") for w in parsed.typed if analysis.has_marks(w)]


def matching(memory: MemoryIndex, ids: set[int], compiled: Compiled, require_all: bool) -> set[int]:
    """The products among `ids` (found by the database on folded words) that
    the query really matches: one group matching as typed is enough.

    The database cannot tell dứa from dưa, so a product found only through
    an accented synonym ("pineapple" -> dứa) must have those accents. Only
    then are products checked; otherwise the database's answer stands.
    """
    accented = [any(exact for *_, exact in alts) for alts in compiled.alternatives]
    if not (all(accented) if require_all else any(accented)):
        return ids
    found = set()
    for alts in compiled.alternatives:
        for words, prefix, _, exact in alts:
            if exact:
                found |= memory.containing(" " + " ".join(exact) + " ")
            else:
                for field in range(len(WEIGHTS)):
                    found |= memory.in_field(field, words, prefix)
    return ids & found


def score(doc: Doc, q: Compiled) -> float:
    """The relevance of `doc`; 0 when no group of the query matches it at all."""
    total, matched, in_name = 0.0, 0, 0
    folded_texts, exact_texts = doc.folded_fields, doc.exact_fields
    for alts in q.groups:
        best, name_hit = 0.0, False
        for whole, prefix, kind, exact in alts:
            texts = exact_texts if exact else folded_texts
            for i, weight in enumerate(WEIGHTS):
                text = texts[i]
                if whole in text:
                    m = 1.0
                elif prefix is not None and prefix in text:
                    m = PREFIX_MATCH
                else:
                    continue
                if weight * kind * m > best:
                    best = weight * kind * m
                if i == 0:
                    name_hit = True
                if m == 1.0:
                    break  # the other fields weigh less
        if best:
            matched += 1
            total += best
            in_name += name_hit
    if not matched:
        return 0.0
    score = total * (matched / len(q.groups)) ** 2
    if matched == len(q.groups) and in_name == matched:
        score += ALL_IN_NAME
    name = folded_texts[0]
    if q.phrase and q.phrase in name:
        score += PHRASE_IN_NAME
        if name.startswith(q.phrase):
            score += 2.0
    elif q.phrase_whole:
        # the words side by side elsewhere: "muong nhe" is the district, not "mường … nhẹ"
        for i in (1, 2, 3):
            if q.phrase_whole in folded_texts[i]:
                score += PHRASE_ELSEWHERE * WEIGHTS[i]
                break
    for whole in q.starts:
        if name.startswith(whole):
            score += 2.0
            break
    for padded, padded_folded in q.marked:
        if padded in exact_texts[0]:
            score += 4.0
        elif padded in exact_texts[1] or padded in exact_texts[2] or padded in exact_texts[3]:
            score += 1.5
        elif padded_folded in name:
            score -= 2.0  # same letters, other accents: "dưa" is not "dứa"
    return score + 1.5 / (1 + doc.word_count)


def _ways(alts) -> list[tuple[float, int, tuple, bool]]:
    """How a group can match, heaviest first: (weight, field, folded words, as a prefix)."""
    ways = []
    for words, prefix, kind, _ in alts:  # accents are left to score(): folded words choose well enough
        for field, weight in enumerate(WEIGHTS):
            ways.append((weight * kind, field, words, False))
            if prefix:
                ways.append((weight * kind * PREFIX_MATCH, field, words, True))
    return sorted(ways, key=lambda w: -w[0])


def _phrase_ways(words: tuple) -> list[tuple[float, int, tuple, bool]]:
    """The whole query side by side: in the name (as typed so far), else whole in another field."""
    return [(PHRASE_IN_NAME, 0, words, True)] + [
        (PHRASE_ELSEWHERE * weight, field, words, False) for field, weight in enumerate(WEIGHTS) if field
    ]


def _classes(memory: MemoryIndex, ways, hits: set[int]) -> list[tuple[float, set[int], bool]]:
    """`hits` split by the heaviest of `ways` they match: (weight, products, in the name); the rest weigh 0."""
    classes, left = [], hits
    for weight, field, words, prefix in ways:
        if not left:
            break
        found = memory.in_field(field, words, prefix, within=left)
        if found:
            classes.append((weight, found, field == 0))
            left = left - found
    if left:
        classes.append((0.0, left, False))
    return classes


def first_pass(memory: MemoryIndex, hits: list[int], compiled: Compiled) -> list[int]:
    """Every hit by its coarse score, best first; equal ones in position order (shorter names first)."""
    # Products that match every group the same ways share a coarse score: intersect
    # the groups' classes, keeping the non-empty combinations only.
    wanted = set(hits)
    dimensions = [_classes(memory, _ways(alts), wanted) for alts in compiled.alternatives]
    if len(compiled.words) > 1:  # the phrase bonus does not change whether every group is in the name
        phrase = _classes(memory, _phrase_ways(compiled.words), wanted)
        dimensions.append([(weight, found, True) for weight, found, _ in phrase])
    combined = [(0.0, wanted, True)]  # (sum of weights, products, every group in the name)
    for classes in dimensions:
        combined = [
            (total + weight, both, named and in_name)
            for total, products, named in combined
            for weight, found, in_name in classes
            if (both := products & found)
        ]
    by_score: dict[float, set[int]] = {}  # equal coarse scores, however reached, keep position order together
    for total, products, named in combined:
        by_score.setdefault(round(total + ALL_IN_NAME * named, 6), set()).update(products)
    position = memory.position
    return [i for key in sorted(by_score, reverse=True) for i in sorted(by_score[key], key=position.__getitem__)]


def rank(memory: MemoryIndex, hits: list[int], compiled: Compiled) -> list[int]:
    """Every hit, best first: the first PRECISE of the first pass by score, the others after them."""
    ordered = first_pass(memory, hits, compiled) if len(hits) > PRECISE else hits
    docs = memory.docs
    scored = [(score(docs[i], compiled), docs[i].name_text, i) for i in islice(ordered, PRECISE)]
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    return [i for _, _, i in scored] + ordered[PRECISE:]
