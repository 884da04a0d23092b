"""Issue 12 #9: /graphql/ trusted the staff session cookie without CSRF, so a form
on another site ran a staff stockUpdate. A session-signed request now needs the
CSRF token and a same-origin request; Bearer and anonymous requests are unchanged."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from inventory.models import Stock
from shop.auth import create_token
from shop.graphql.core import global_id

pytestmark = pytest.mark.django_db

STOCK = ("mutation($p: ID!, $v: ID!, $q: Int!, $r: String!) { stockUpdate(salesPointId: $p, variantId: $v, "
         "quantityOnHand: $q, reason: $r) { stock { quantityOnHand } errors { code } } }")
STAFF = "dien-bien@ocop-dienbien.example"
PASSWORD = "ocop-demo-2026"


@pytest.fixture
def target(demo):
    stock = Stock.objects.filter(sales_point__code="dien-bien").order_by("id").first()
    return stock


@pytest.fixture
def browser(demo):
    """The staff member's browser: a session cookie, and CSRF checks as in production."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(email=STAFF))
    return client


def form_attack(client, stock, **headers):
    """What a page on another site can make the browser send: a form post with the cookie."""
    import json
    return client.post("/graphql/", {
        "query": STOCK,
        "variables": json.dumps({"p": global_id("SalesPoint", stock.sales_point_id),
                                 "v": global_id("ProductVariant", stock.variant_id), "q": 0, "r": "pwned"}),
    }, **headers)


def test_cross_site_form_post_cannot_change_stock(browser, target):
    before = target.quantity_on_hand
    response = form_attack(browser, target, HTTP_ORIGIN="https://evil.example", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "csrf_failed" and "Bearer" in error["message"]
    target.refresh_from_db()
    assert target.quantity_on_hand == before


def test_session_post_without_csrf_token_is_refused_even_without_origin(browser, target):
    before = target.quantity_on_hand
    response = form_attack(browser, target)
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.quantity_on_hand == before


def test_cross_site_fetch_metadata_alone_is_refused_even_with_a_token(browser, target):
    browser.get("/graphql/", {"query": "{ __typename }"})  # ensure_csrf_cookie hands out the token
    token = browser.cookies["csrftoken"].value
    response = form_attack(browser, target, HTTP_X_CSRFTOKEN=token, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403


def test_same_origin_request_with_token_still_works(browser, target):
    browser.get("/graphql/", {"query": "{ __typename }"})
    token = browser.cookies["csrftoken"].value
    response = form_attack(browser, target, HTTP_X_CSRFTOKEN=token, HTTP_SEC_FETCH_SITE="same-origin",
                           HTTP_ORIGIN="http://testserver")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["stockUpdate"]["errors"] == []


def test_bearer_requests_stay_exempt(demo, target):
    _, raw = create_token(email=STAFF, password=PASSWORD)
    client = Client(enforce_csrf_checks=True)
    response = form_attack(client, target, HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ORIGIN="https://app.example")
    assert response.status_code == 200
    assert response.json()["data"]["stockUpdate"]["errors"] == []


def test_anonymous_cross_origin_queries_stay_open(client):
    response = client.post("/graphql/", {"query": "{ __typename }"}, HTTP_ORIGIN="https://other.example",
                           HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 200
