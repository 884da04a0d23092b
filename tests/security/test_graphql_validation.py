"""Issue 12 #5: graphql-core's standard validation runs (it was replaced by the
limit rule alone), and introspection is off with DEBUG=0 unless enabled."""
import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def post(client, query, variables=None):
    response = client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                           content_type="application/json")
    return response, response.json()


@pytest.mark.parametrize("query, variables", [
    ("{ products(first: 1) { edges { node { id noSuchField } } } }", {}),  # unknown field
    ("{ products(first: 1, noSuchArg: 3) { totalCount } }", {}),  # unknown argument
    ("query { products(first: $n) { totalCount } }", {"n": 1}),  # undefined variable
    ("query($n: String) { products(first: $n) { totalCount } }", {"n": "lots"}),  # wrongly typed variable
    ("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }", {}),  # fragment cycle
    ("query { products { totalCount } } fragment Unused on Query { me { email } }", {}),  # unused fragment
    ("query A { me { email } } query A { me { email } }", {}),  # duplicate operation names
])
def test_invalid_documents_are_refused_before_running(client, query, variables):
    response, body = post(client, query, variables)
    assert response.status_code == 400
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "graphql_validation_failed"


def test_a_self_spreading_fragment_does_not_hang_the_limit_walk(client):
    response, body = post(client, "query { ...A } fragment A on Query { products { totalCount } ...A }")
    assert response.status_code == 400
    assert any("A" in e["message"] for e in body["errors"])


@override_settings(GRAPHQL_INTROSPECTION=False)
def test_introspection_is_off_in_production(client):
    response, body = post(client, "{ __schema { types { name } } }")
    assert response.status_code == 400
    assert "introspection" in body["errors"][0]["message"].lower()
    response, body = post(client, '{ __type(name: "Product") { name } }')
    assert response.status_code == 400


@override_settings(GRAPHQL_INTROSPECTION=False)
def test_typename_still_answers_without_introspection(client):
    response, body = post(client, "{ __typename }")
    assert response.status_code == 200 and body["data"] == {"__typename": "Query"}


@override_settings(GRAPHQL_INTROSPECTION=True)
def test_introspection_can_be_turned_on(client):
    response, body = post(client, "{ __schema { queryType { name } } }")
    assert response.status_code == 200 and body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_introspection_default_follows_debug(monkeypatch):
    import importlib
    import os
    import subprocess
    import sys
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50, "TRACE_SIGNING_KEYS": "k" * 40}
    env.pop("GRAPHQL_INTROSPECTION", None)
    out = subprocess.run([sys.executable, "-c", "from shop import settings; print(settings.GRAPHQL_INTROSPECTION)"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert importlib.import_module("shop.settings").GRAPHQL_INTROSPECTION in (True, False)
