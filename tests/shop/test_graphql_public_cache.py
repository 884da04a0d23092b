"""Anonymous catalogue answers come from the cache; edits, private fields and signed-in users do not."""
import pytest
from django.core.cache import cache

from shop.graphql import public_cache
from shop.models import StaffAssignment

LIST = "{ products(first: 5) { totalCount edges { node { name variants { priceVnd } } } } }"


@pytest.fixture
def cached(settings):
    settings.GRAPHQL_PUBLIC_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_a_repeated_anonymous_query_is_answered_without_the_database(gql, make_product, cached,
                                                                    django_assert_num_queries):
    make_product("Mật ong hoa ban")
    first = gql(LIST)
    with django_assert_num_queries(0):
        again = gql(LIST)
    assert again == first and first["data"]["products"]["edges"][0]["node"]["name"] == "Mật ong hoa ban"
    assert gql(LIST, language="en") == first  # another language is another answer, computed once more
    with django_assert_num_queries(0):
        gql(LIST, language="en")


def test_a_saved_change_shows_at_once(gql, make_product, cached):
    product = make_product("Mật ong hoa ban")
    gql(LIST)
    product.name = "Mật ong hoa ban Tủa Chùa"
    product.save()
    assert gql(LIST)["data"]["products"]["edges"][0]["node"]["name"] == "Mật ong hoa ban Tủa Chùa"
    variant = product.variants.get()
    variant.price_vnd = 123_000
    variant.save()
    assert gql(LIST)["data"]["products"]["edges"][0]["node"]["variants"] == [{"priceVnd": 123_000}]


def test_signed_in_users_private_fields_and_mutations_are_never_cached(gql, client, make_product, cached,
                                                                      django_user_model, django_assert_max_num_queries):
    make_product()
    assert public_cache.is_public_query(LIST, None)
    assert not public_cache.is_public_query("{ me { email } products(first: 1) { totalCount } }", None)
    assert not public_cache.is_public_query('{ trace(code: "x") { verdict } }', None)
    assert not public_cache.is_public_query('mutation { tokenCreate(email: "a", password: "b") { token } }', None)
    assert not public_cache.is_public_query("query A { products { totalCount } } query B { me { email } }", "B")
    assert not public_cache.is_public_query("{ ...F } fragment F on Query { products { totalCount } }", None)
    assert not public_cache.is_public_query("{ products(", None)  # a syntax error is answered, not cached

    user = django_user_model.objects.create_user("clerk@example.org", "clerk@example.org", "pw")
    StaffAssignment.objects.create(user=user, role=StaffAssignment.Role.PROVINCE)
    client.force_login(user)
    gql(LIST)
    with django_assert_max_num_queries(20) as ran:
        gql(LIST)
    assert len(ran.captured_queries) > 0


def test_only_answers_without_errors_are_cached(gql, cached, db, monkeypatch):
    stored = []
    monkeypatch.setattr(public_cache, "put", lambda key, body: stored.append(body))
    gql('{ products(first: 5, after: "not-a-cursor") { totalCount } }', expect_errors=True)
    assert stored == []
    gql("{ products(first: 5) { totalCount } }")
    assert stored == ['{"data":{"products":{"totalCount":0}}}']


def test_huge_queries_are_answered_but_never_parsed_for_the_cache(gql, cached, db, monkeypatch):
    monkeypatch.setattr(public_cache, "is_public_query", lambda *a: pytest.fail("parsed a huge query"))
    padding = " " * public_cache.MAX_QUERY_CHARS
    assert gql("{ products(first: 1) { totalCount } }" + padding)["data"]["products"]["totalCount"] == 0
