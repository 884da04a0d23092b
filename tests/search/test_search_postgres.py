"""PostgreSQL's side of the embedded backend: unaccent + pg_trgm behind an
IMMUTABLE wrapper that an index can use."""
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


def test_the_trigram_index_serves_the_search(make_product):
    make_product("Mật ong hoa ban")
    search.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT product_id FROM catalog_searchentry WHERE folded LIKE '% mat ong%'")
        plan = "\n".join(r[0] for r in cursor.fetchall())
    assert "catalog_searchentry_folded_trgm" in plan
    assert SearchEntry.objects.count() == 1 and search.search("mat onng").total == 1
