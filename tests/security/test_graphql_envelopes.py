"""Issue 12 #6: malformed envelopes are 400 with a GraphQL error body, never 500;
no database or Python error text reaches the client; huge integers and NUL are
input errors."""
import json
from unittest import mock

import pytest

pytestmark = pytest.mark.django_db

PRODUCT = "query($id: ID) { product(id: $id) { name } }"


def send(client, body, content_type="application/json", **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/graphql/", data, content_type=content_type, **extra)


def assert_graphql_error(response, status=400):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    error = body["errors"][0]
    assert isinstance(error["message"], str) and error["extensions"]["code"]
    for leak in ("Traceback", "bigint", "out of range", "NUL (0x00)", "not supported between", "Expecting value"):
        assert leak not in response.content.decode()
    return error


HOSTILE_BODIES = [
    {"query": 1},
    {"query": ["{ __typename }"]},
    {"query": {"a": 1}},
    {"query": "{ __typename }", "variables": [1, 2]},
    {"query": "{ __typename }", "variables": 5},
    {"query": "{ __typename }", "variables": "[1]"},
    {"query": "{ __typename }", "variables": "{not json"},
    {"query": "{ __typename }", "operationName": ["A"]},
    {"query": "{ __typename }", "operationName": 3},
    {"query": "{ __typename }", "variables": {"x": json.loads("[" * 50 + "]" * 50)}},
    {"variables": {}},
    {"query": ""},
    [{"query": "{ __typename }"}, {"query": "{ __typename }"}],
    [],
    "not json",
    "[" * 100_000 + "]" * 100_000,  # RecursionError inside json.loads
    '{"query": "{ __typename }"',
    b"\xff\xfe{}",
    "12",
    "null",
    '"{ __typename }"',
    '{"query": "{ products { totalCount } ' + "{" * 3000 + '"}',
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_hostile_bodies_are_400_with_a_graphql_error(client, body):
    response = send(client, body)
    assert_graphql_error(response, status=413 if len(str(body)) > 65536 else 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "image/png", ""])
def test_other_content_types_are_refused(client, content_type):
    response = client.post("/graphql/", '{"query": "{ __typename }"}', content_type=content_type)
    assert_graphql_error(response, status=415)


def test_envelope_errors_speak_english_when_asked(client):
    error = assert_graphql_error(send(client, {"query": 5}, HTTP_ACCEPT_LANGUAGE="en"))
    assert error["message"] == "`query` must be a string of GraphQL."
    assert error["extensions"]["code"] == "invalid_envelope"


def test_put_is_405_with_a_graphql_error(client):
    response = client.put("/graphql/", "{}", content_type="application/json")
    assert_graphql_error(response, status=405)


@pytest.mark.parametrize("product_id", ["99999999999999999999", "1" * 40, "UHJvZHVjdDo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_huge_ids_name_no_product(client, product_id):
    response = send(client, {"query": PRODUCT, "variables": {"id": product_id}})
    assert response.status_code == 200 and response.json() == {"data": {"product": None}}


@pytest.mark.parametrize("node_id", ["99999999999999999999", "UHJvZHVjdDo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "-x-", ""])
def test_relay_node_with_bad_ids_is_an_input_error(client, node_id):
    response = send(client, {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": node_id}})
    assert response.status_code == 200
    if "errors" in response.json():  # a malformed ID is an input error; a well-formed unknown one is null
        assert assert_graphql_error(response, status=200)["extensions"]["code"] in ("invalid_id", "invalid_input")
    else:
        assert response.json() == {"data": {"node": None}}


def test_integers_past_bigint_in_variables_are_refused(client):
    error = assert_graphql_error(send(client, {"query": PRODUCT, "variables": {"id": 2**70}}))
    assert error["extensions"]["code"] == "number_out_of_range"


def test_int_argument_past_32_bits_is_a_validation_error(client):
    error = assert_graphql_error(send(client, {"query": "{ products(first: 99999999999) { totalCount } }"}))
    assert error["extensions"]["code"] == "graphql_validation_failed"


CREATE = "mutation($i: CheckoutCreateInput!) { checkoutCreate(input: $i) { errors { code } } }"


def test_nul_in_mutation_variables_is_an_input_error(client):
    body = {"query": CREATE, "variables": {"i": {"lines": [], "email": "a\u0000@x.vn"}}}
    error = assert_graphql_error(send(client, body))
    assert error["extensions"]["code"] == "nul_character"


def test_nul_in_mutation_literal_is_an_input_error(client):
    query = 'mutation { checkoutCreate(input: {lines: [], email: "a\\u0000@x.vn"}) { errors { code } } }'
    error = assert_graphql_error(send(client, {"query": query}))
    assert error["extensions"]["code"] == "nul_character"


def test_a_resolver_crash_is_masked_and_logged_with_the_request_id(client, caplog):
    with mock.patch("search.schema.product_page", side_effect=TypeError("'<' not supported between instances")):
        response = send(client, {"query": "{ products { totalCount } }"}, HTTP_X_REQUEST_ID="req-123")
    error = assert_graphql_error(response, status=200)
    assert error["extensions"]["code"] == "internal_error" and "req-123" in error["message"]
    assert any("req-123" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_database_data_error_is_an_input_error_not_its_text(client):
    from django.db import DataError
    with mock.patch("search.schema.product_page", side_effect=DataError("bigint out of range")):
        response = send(client, {"query": "{ products { totalCount } }"})
    assert assert_graphql_error(response, status=200)["extensions"]["code"] == "invalid_input"


def test_a_lost_database_is_still_503(client):
    from django.db import OperationalError
    with mock.patch("search.schema.product_page", side_effect=OperationalError("gone")):
        response = send(client, {"query": "{ products { totalCount } }"})
    assert response.status_code == 503
