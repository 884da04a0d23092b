"""The relevance suite: every judged query finds an expected product in the
top three, and the mean reciprocal rank stays at or above 0.9 (on SQLite and
on PostgreSQL: run the suite with DATABASE_URL set for the second)."""
import json
from pathlib import Path

import search

JUDGMENTS = json.loads((Path(__file__).parent / "search_relevance_judgments.json").read_text("utf-8"))["judgments"]


def evaluate(run_query, names_by_pk):
    ranks, misses = [], []
    for j in JUDGMENTS:
        got = [names_by_pk[pk] for pk in run_query(j["query"])]
        rank = next((i + 1 for i, name in enumerate(got) if name in j["expected"]), None)
        ranks.append(rank)
        if rank is None or rank > 3:
            misses.append(f"{j['query']!r} ({j['kind']}): rank {rank}, got {got[:3]}")
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    top3 = sum(1 for r in ranks if r and r <= 3) / len(ranks)
    return mrr, top3, misses


def test_every_judged_query_finds_an_expected_product_in_the_top_three(indexed_demo):
    assert len(JUDGMENTS) >= 40
    kinds = {j["kind"] for j in JUDGMENTS}
    assert {"no_diacritics", "partial_diacritics", "typo", "english", "producer", "place"} <= kinds
    for j in JUDGMENTS:  # the judgments name real demo products
        assert set(j["expected"]) <= set(indexed_demo), j
    names_by_pk = {pk: name for name, pk in indexed_demo.items()}
    mrr, top3, misses = evaluate(lambda q: search.search(q, limit=10).product_ids, names_by_pk)
    assert top3 == 1.0, "\n".join(misses)
    assert mrr >= 0.9, f"MRR {mrr:.3f}"


def names(result, indexed):
    by_pk = {pk: name for name, pk in indexed.items()}
    return [by_pk[pk] for pk in result.product_ids]


def test_exact_accents_and_name_matches_beat_folded_and_description_matches(indexed_demo):
    """Also: an accented synonym does not match another accent, and typos are forgiven."""
    assert names(search.search("dua na sang"), indexed_demo)[0] == "Dứa Na Sang"
    both = names(search.search("dua"), indexed_demo)
    assert {"Dứa Na Sang", "Dưa mèo Tuần Giáo"} <= set(both)
    assert names(search.search("dưa"), indexed_demo)[0] == "Dưa mèo Tuần Giáo"
    assert names(search.search("dứa"), indexed_demo)[0] == "Dứa Na Sang"
    # pineapple = dứa, and dưa (melon) folds to the same letters: it must not come along.
    assert names(search.search("pineapple"), indexed_demo) == ["Dứa Na Sang"]
    assert names(search.search("mat onng"), indexed_demo)[0].startswith("Mật ong")


def test_typo_alternatives_only_for_words_the_index_does_not_know():
    from search.analysis import FUZZY, Vocabulary, parse_query

    vocabulary = Vocabulary(["tra", "trau", "ong", "mat"])
    assert [a.words for a in parse_query("onng", vocabulary=vocabulary).groups[0].alternatives if a.kind == FUZZY] == [("ong",)]
    assert all(a.kind != FUZZY for g in parse_query("tra ong", vocabulary=vocabulary).groups for a in g.alternatives)
