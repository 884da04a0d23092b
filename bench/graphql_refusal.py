"""How long the GraphQL endpoint takes to refuse abusive documents (issue 12).

Sends each bomb through the whole Django stack in-process (middleware included,
no network) and prints the median and worst time in milliseconds. Target: a
refusal costs under 5 ms. Run: .venv/bin/python bench/graphql_refusal.py
"""
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

import django  # noqa: E402

django.setup()
from django.test import Client  # noqa: E402

SEARCH = 'search(query: "mat ong") { totalCount edges { node { id name } } }'


def aliases(n: int, field: str = SEARCH) -> str:
    return "query {" + " ".join(f"a{i}: {field}" for i in range(n)) + "}"


BOMBS = {
    # The audit's request: 12 s in-process (30 s on gunicorn + PostgreSQL) before issue 12.
    "5,000 aliased `search { totalCount }` (audit)": aliases(5000, 'search(query: "mat ong") { totalCount }'),
    "5,000 aliased searches (150 kB)": aliases(5000),
    "100 aliased searches (fits the size cap)": aliases(100),
    "10 searches with 100-row pages (cost cap)": "query {" + " ".join(
        f'a{i}: search(query: "x", first: 100) {{ edges {{ node {{ id name slug nameEn description group '
        f'variants {{ id sku priceVnd }} }} }} }}' for i in range(10)) + "}",
    "2^40 searches by fragment fan-out": "query { ...F40 } " + " ".join(
        ['fragment F0 on Query { search(query: "x") { totalCount } }']
        + [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)]),
    "3,000 tokens": "{ products(first: 1) { edges { node { " + "id " * 3000 + "} } } }",
}


def main(rounds: int = 50) -> None:
    logging.disable(logging.WARNING)  # every refusal logs a "Bad Request" line
    client = Client(HTTP_HOST="localhost")
    for label, query in BOMBS.items():
        body = json.dumps({"query": query})
        times, status = [], None
        client.post("/graphql/", body, content_type="application/json")  # warm-up
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.post("/graphql/", body, content_type="application/json")
            times.append((time.perf_counter() - start) * 1000)
            status = response.status_code
        code = response.json()["errors"][0].get("extensions", {}).get("code")
        print(f"{label:47s} {status} {code:22s} median {statistics.median(times):6.2f} ms  max {max(times):6.2f} ms")


if __name__ == "__main__":
    main()
