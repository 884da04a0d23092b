"""PostgreSQL's side of the embedded backend: unaccent + pg_trgm behind an
IMMUTABLE wrapper that an index can use, and the in-memory word index that
matches in its place."""
import pytest
from django.db import connection

from catalog import search
from catalog.models import SearchEntry
from shop.text import fold

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def test_ocop_fold_folds_like_python(make_product):
    make_product("Đặc sản Điện Biên: Mật ong rừng, Chè Shan tuyết ĐẶC BIỆT")
    search.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("SELECT document, folded FROM catalog_searchentry")
        rows = cursor.fetchall()
    assert rows and all(folded == fold(document) for document, folded in rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT provolatile FROM pg_proc WHERE proname = 'ocop_fold'")
        assert cursor.fetchone()[0] == "i"  # IMMUTABLE, so usable in an index expression


def test_the_word_index_in_memory_finds_what_the_trigram_index_finds(make_product):
    """On PostgreSQL the in-memory word index matches (faster than rechecking trigram candidates):
    it must find the same products as the database would."""
    from catalog.search import analysis

    for name in ("Mật ong hoa ban", "Mật ong rừng Mường Nhé", "Trà Shan tuyết", "Đậu tương Điện Biên", "Gạo tám"):
        make_product(name)
    search.rebuild()
    memory = search.embedded().memory()
    for query in ("mat ong", "mat ru", "muong nhe", "dau", "shan tuyet", "gao tam", "dien bien", "ong", "tr"):
        parsed = analysis.parse_query(query, prefix_last=True)
        clauses, params = [], []
        for group in parsed.groups:
            likes = []
            for alt in group.alternatives:
                likes.append("folded LIKE %s")
                params.append("% " + " ".join(alt.words) + ("%" if alt.prefix else " %"))
            clauses.append("(" + " OR ".join(likes) + ")")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT product_id FROM catalog_searchentry WHERE {' AND '.join(clauses)}", params)
            in_database = {row[0] for row in cursor.fetchall()}
        assert memory.matching(parsed, require_all=True) == in_database, query
        assert in_database, query
    assert SearchEntry.objects.count() == 5 and search.search("mat onng").total == 2
