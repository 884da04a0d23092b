"""GS1-Conformant Resolver 1.1 (with GS1 Digital Link URI Syntax 1.4), statement by
statement, against the live resolver (the Django test client) and fixture data: a
product with a GTIN, an OCOP certificate, a lot with its events and minted serials.

Each test is named for the statement it checks, in the order of the standard's list
of conformance statements (RES_01 … RES_18) and then the checks GS1's resolver test
suite makes beyond that list (RES_19 …). Where the test suite sends a request, the
test sends the same one (HEAD via curl, `?linkType=…`, `Accept: application/linkset+json`,
an appended `/foo`, `/10/KL8G`, `?foo=bar`, `?linkType=gs1:nosuchlt`).
"""
import json
from pathlib import Path
from urllib.parse import urlsplit

import biip
import pytest
from django.conf import settings

from traceability import codes, resolver, services
from traceability.models import Scan

LINKSET_SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "standards" / "linkset" / "gs1-linkset-schema.json"
GS1 = "https://gs1.org/voc/"


@pytest.fixture
def item(lot):
    """The lot and one of its serials, with their Digital Link paths."""
    serial = services.mint_serials(batch=lot, count=1)[0]
    gtin = lot.variant.gtin
    return {
        "lot": lot, "serial": serial, "gtin": gtin,
        "gtin_path": f"/01/{gtin}", "lot_path": f"/01/{gtin}/10/{lot.lot_code}",
        "serial_path": f"/01/{gtin}/10/{lot.lot_code}/21/{serial}",
    }


def site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def linkset_of(client, path: str) -> dict:
    response = client.get(path, HTTP_ACCEPT="application/linkset+json")
    assert response.status_code == 200, (path, response.status_code)
    return response.json()


def links_by_anchor(body: dict) -> dict[str, dict]:
    return {entry["anchor"]: entry for entry in body["linkset"]}


def link_rels(header: str) -> list[str]:
    return [part.split('rel="', 1)[1].split('"', 1)[0] for part in header.split(", <") if 'rel="' in part]


# -- RES_01 … RES_18: the standard's conformance statements --------------------------------

def test_RES_01_supports_get_head_and_options(client, item):
    for path in (item["gtin_path"], item["lot_path"], item["serial_path"], "/.well-known/gs1resolver"):
        assert client.get(path).status_code in (200, 307), path
        head = client.head(path)
        assert head.status_code in (200, 307) and head.content == b"", path
        options = client.options(path, HTTP_ORIGIN="https://scanner.example",
                                 HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
        assert options.status_code == 204, path
        assert {m.strip() for m in options["Access-Control-Allow-Methods"].split(",")} >= {"GET", "HEAD", "OPTIONS"}
        assert "OPTIONS" in options["Allow"]


def test_RES_02_resolver_uris_use_the_sites_https_origin(client, item, settings):
    settings.SITE_URL = "https://ocop.example.vn"
    description = client.get("/.well-known/gs1resolver").json()
    assert description["resolverRoot"] == "https://ocop.example.vn"
    body = linkset_of(client, item["lot_path"])
    for entry in body["linkset"]:
        assert entry["anchor"].startswith("https://ocop.example.vn/01/")
        for rel, links in entry.items():
            if rel.startswith(GS1):
                assert all(link["href"].startswith("https://") for link in links), rel
    assert client.get(item["gtin_path"])["Location"].startswith("https://ocop.example.vn/")


def test_RES_03_supports_cors_on_every_resolver_answer(client, item):
    answers = [
        client.get(item["lot_path"]), client.get(item["serial_path"]), client.get(item["gtin_path"]),
        client.get(item["lot_path"] + "?linkType=gs1:pip"), client.get(item["lot_path"] + "?linkType=linkset"),
        client.get(item["lot_path"] + "/foo"), client.get("/01/09520000000011/10/NOPE"),
        client.get(f"/q/{item['lot'].short_code}"), client.get("/.well-known/gs1resolver"),
        client.options(item["lot_path"]), client.options(f"/q/{item['lot'].short_code}"),
        client.options("/.well-known/gs1resolver"), client.head(item["lot_path"]),
    ]
    for response in answers:
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "OPTIONS" in response["Access-Control-Allow-Methods"]
        assert "Accept" in response["Access-Control-Allow-Headers"]
        exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
        assert {"Link", "Location"} <= exposed


def _compressed(uri: str) -> str:
    from gs1.compress.core_functions import compress_gs1_digital_link

    return compress_gs1_digital_link(uri)


def test_RES_04_decompresses_a_compressed_digital_link(client, item):
    for key in ("lot_path", "serial_path", "gtin_path"):
        compressed = urlsplit(_compressed(site(item[key]))).path
        assert compressed.count("/") == 1 and "/01/" not in compressed
        plain, squeezed = client.get(item[key], REMOTE_ADDR="192.0.2.1"), client.get(compressed, REMOTE_ADDR="192.0.2.2")
        assert squeezed.status_code == plain.status_code, key
        assert squeezed.get("Location") == plain.get("Location"), key
        if key != "gtin_path":
            assert squeezed.context["verdict"].startswith("AUTHENTIC")
    assert client.get("/AAAAAAAAAAAA").status_code == 404  # decodes to nothing: not a code


def test_RES_05_a_compressed_request_names_its_uncompressed_uri_as_owl_same_as(client, item):
    compressed = urlsplit(_compressed(site(item["lot_path"]))).path
    for response in (client.get(compressed), client.get(compressed + "?linkType=gs1:pip"),
                     client.get(compressed, HTTP_ACCEPT="application/linkset+json")):
        assert f'<{site(item["lot_path"])}>; rel="owl:sameAs"' in response["Link"]
    body = client.get(compressed, HTTP_ACCEPT="application/linkset+json").json()
    assert body["linkset"][0]["anchor"] == site(item["lot_path"])  # the subject is the uncompressed URI


SYNTAX_ERRORS = [
    "/01/09520000000012",  # wrong check digit
    "/01/0952000000001X",  # not numeric
    "/01/95200000001",  # not 8, 12, 13 or 14 digits
    "/01/{gtin}/10/" + "L" * 21,  # AI 10 longer than 20 characters
    "/01/{gtin}/21/" + "S" * 21,  # AI 21 longer than 20 characters
    "/01/{gtin}/10/{lot}/foo",  # an extra path segment (the test suite's probe)
    "/01/{gtin}/21/ABC/10/{lot}",  # qualifiers out of order
    "/01/{gtin}/10/{lot}/10/{lot}",  # a qualifier twice
    "/01/{gtin}/99/A",  # not a key qualifier of 01
    "/01/{gtin}/10/L%C3%94",  # outside GS1's 82 characters
    "/01/{gtin}/10/A%01B",  # a control character
]


@pytest.mark.parametrize("pattern", SYNTAX_ERRORS)
def test_RES_06_syntax_errors_are_reported_with_400(client, item, pattern):
    path = pattern.format(gtin=item["gtin"], lot=item["lot"].lot_code)
    response = client.get(path)
    assert response.status_code == 400, path
    html = response.content.decode()
    assert "OCOP Điện Biên" in html and response["Content-Type"].startswith("text/html")  # still the friendly page
    if pattern != "/01/09520000000012":  # (a wrong check digit: the page says the code cannot be genuine)
        assert "không đúng cú pháp GS1 Digital Link" in html
    assert "Link" not in response  # no linkset for what is not an identifier
    as_json = client.get(path, HTTP_ACCEPT="application/linkset+json")
    assert as_json.status_code == 400 and as_json.json()["error"] == "bad_request"


def test_RES_07_no_200_for_an_error(client, item):
    assert client.get(item["lot_path"] + "/foo").status_code == 400
    assert client.get("/01/09520000000011").status_code == 404  # well formed, not ours
    assert client.get("/01/09520000000011/10/ABC").status_code == 404
    assert client.get(item["lot_path"] + "?linkType=gs1:nosuchlt").status_code == 404
    assert client.get("/01/09520000000011", HTTP_ACCEPT="application/linkset+json").status_code == 404


def test_RES_08_linktype_linkset_and_all_return_every_level_up_to_the_primary_key(client, item):
    for query in ("?linkType=linkset", "?linkType=all", "?linkType=gs1:linkset"):
        response = client.get(item["serial_path"] + query)
        assert response.status_code == 200 and response["Content-Type"] == "application/linkset+json"
        anchors = links_by_anchor(response.json())
        assert list(anchors) == [site(item["serial_path"]), site(item["lot_path"]), site(item["gtin_path"])]
        assert GS1 + "pip" in anchors[site(item["gtin_path"])]
        assert GS1 + "traceability" in anchors[site(item["lot_path"])]


def test_RES_09_link_to_the_linkset_even_when_redirecting(client, item):
    for path in (item["gtin_path"], item["lot_path"] + "?linkType=gs1:pip",
                 item["lot_path"] + "?linkType=gs1:traceability", item["lot_path"]):
        response = client.get(path)
        anchor = site(urlsplit(path).path)
        assert response["Link"].startswith(f'<{anchor}?linkType=linkset>; rel="linkset"'), path
        assert "gs1:" not in " ".join(link_rels(response["Link"]))  # no legacy all-links header


def test_RES_10_exactly_one_default_link_with_href_and_title_only(client, item):
    body = linkset_of(client, item["serial_path"])
    for entry in body["linkset"]:
        default = entry[GS1 + "defaultLink"]
        assert len(default) == 1 and set(default[0]) == {"href", "title"}
        assert default[0]["href"] != entry["anchor"]  # not the request URI itself
    lot_default = links_by_anchor(body)[site(item["lot_path"])][GS1 + "defaultLink"][0]["href"]
    page = client.get(urlsplit(lot_default).path)  # the lot's trace page at its own address
    assert page.status_code == 200 and page.context["verdict"].startswith("AUTHENTIC")


def test_RES_11_every_link_has_a_target_a_link_type_and_a_title(client, item):
    body = linkset_of(client, item["serial_path"])
    if LINKSET_SCHEMA.exists():
        import jsonschema

        jsonschema.validate(body, json.loads(LINKSET_SCHEMA.read_text()))
    for entry in body["linkset"]:
        for rel, links in entry.items():
            if rel in ("anchor", "itemDescription"):
                continue
            assert rel.startswith(GS1)
            for link in links:
                assert link["href"].startswith(("http://", "https://")) and link["title"].strip()


def test_RES_12_redirects_to_the_default_link_unless_the_request_says_better(client, item):
    body = linkset_of(client, item["gtin_path"])
    default = body["linkset"][0][GS1 + "defaultLink"][0]["href"]
    response = client.get(item["gtin_path"])
    assert response.status_code == 307 and response["Location"] == default
    english = client.get(item["gtin_path"], HTTP_ACCEPT_LANGUAGE="en")  # matches the pip link in English
    english_pip = [link for link in body["linkset"][0][GS1 + "pip"] if link["hreflang"] == ["en"]][0]
    assert english["Location"] == english_pip["href"]


def test_RES_13_redirects_to_the_requested_link_type(client, item):
    body = linkset_of(client, item["lot_path"])
    entry = links_by_anchor(body)[site(item["lot_path"])]
    scans = Scan.objects.count()
    for rel in (GS1 + "pip", GS1 + "certificationInfo", GS1 + "traceability", GS1 + "defaultLink"):
        for link in entry[rel]:
            headers = {"HTTP_ACCEPT": link["type"]} if "type" in link else {}
            if "hreflang" in link:
                headers["HTTP_ACCEPT_LANGUAGE"] = link["hreflang"][0]
            for spelling in ("gs1:" + rel[len(GS1):], rel, "https://ref.gs1.org/voc/" + rel[len(GS1):]):
                response = client.get(item["lot_path"], {"linkType": spelling}, **headers)
                assert response.status_code == 307, (spelling, link)
                assert response["Location"] == link["href"], (spelling, link)
    assert Scan.objects.count() == scans  # following a link is not a scan of the package
    # The GTIN alone honours linkType too.
    product_entry = links_by_anchor(linkset_of(client, item["gtin_path"]))[site(item["gtin_path"])]
    response = client.get(item["gtin_path"], {"linkType": "gs1:certificationInfo"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 307
    assert response["Location"] == product_entry[GS1 + "certificationInfo"][1]["href"]  # the English one
    assert client.get(item["gtin_path"], {"linkType": "gs1:traceability"}).status_code == 404  # a GTIN has no journey


def test_RES_14_passes_the_query_string_on_when_redirecting(client, item):
    response = client.get(item["gtin_path"] + "?foo=bar")
    assert response.status_code == 307 and urlsplit(response["Location"]).query == "foo=bar"
    response = client.get(item["lot_path"] + "?linkType=gs1:pip&foo=bar&x=1&x=2")
    assert urlsplit(response["Location"]).query == "foo=bar&x=1&x=2"
    cert = client.get(item["lot_path"] + "?linkType=gs1:certificationInfo&foo=bar")["Location"]
    assert cert.endswith("/?foo=bar#ocop")  # the query goes before the fragment


def test_RES_15_resolver_description_file_at_well_known(client):
    response = client.get("/.well-known/gs1resolver", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["resolverRoot"] == settings.SITE_URL.rstrip("/")
    assert body["name"] and body["supportedPrimaryKeys"] == ["01"]
    assert body["supportedLinkType"] == [{"namespace": GS1, "prefix": "gs1:"}]
    assert body["linkTypeDefaultCanBeLinkset"] is False
    assert body["jsonLdContextLocation"] == resolver.CONTEXT_URL


def test_RES_16_recognises_the_gs1_web_vocabulary_in_every_spelling(client, item):
    for spelling in ("gs1:pip", "https://gs1.org/voc/pip", "https://ref.gs1.org/voc/pip",
                     "https://www.gs1.org/voc/pip"):
        response = client.get(item["lot_path"], {"linkType": spelling})
        assert response.status_code == 307 and "/san-pham/" in response["Location"], spelling


def test_RES_17_every_link_type_is_gs1s_and_no_prefix_redirection_needs_handled_by(client, item):
    body = linkset_of(client, item["serial_path"])
    rels = {rel for entry in body["linkset"] for rel in entry if rel.startswith("http")}
    assert rels <= {GS1 + t for t in ("defaultLink", "pip", "certificationInfo", "traceability")}
    assert GS1 + "handledBy" not in rels  # this resolver answers for its own GTINs, never by company prefix


def test_RES_18_tolerates_a_trailing_slash(client, item):
    for path in (item["gtin_path"], item["lot_path"], item["serial_path"]):
        plain, slashed = client.get(path), client.get(path + "/")
        assert (plain.status_code, plain.get("Location")) == (slashed.status_code, slashed.get("Location")), path


# -- RES_19 …: what GS1's test suite checks beyond the list ------------------------------------

def test_RES_19_walks_up_the_tree_for_an_unknown_lot_or_serial(client, item):
    unknown_lot = f"{item['gtin_path']}/10/KL8G"  # the test suite's probe
    response = client.get(unknown_lot)
    assert response.status_code == 200
    assert not response.context["verdict"].startswith("AUTHENTIC")  # the page says it is not a lot we issued
    assert "★" not in response.content.decode()
    anchors = links_by_anchor(linkset_of(client, unknown_lot))
    assert list(anchors) == [site(item["gtin_path"])]
    assert client.get(unknown_lot + "?linkType=gs1:pip")["Location"].endswith(
        f"/san-pham/{item['lot'].variant.product.slug}/")
    unknown_serial = f"{item['lot_path']}/21/NOTOURS1"
    anchors = links_by_anchor(linkset_of(client, unknown_serial))
    assert list(anchors)[0] == site(item["lot_path"])  # up to the lot, which we know
    assert client.get(unknown_serial).status_code == 200


def test_RES_20_all_key_qualifiers_of_a_gtin(client, item):
    serial_only = f"{item['gtin_path']}/21/{item['serial']}"  # a serial without its lot
    response = client.get(serial_only)
    assert response.status_code == 200 and response.context["verdict"] == "AUTHENTIC_FIRST_SCAN"
    with_cpv = f"{item['gtin_path']}/22/ABC-1"  # no variants of ours: the GTIN answers
    assert client.get(with_cpv)["Location"] == client.get(item["gtin_path"])["Location"]
    assert links_by_anchor(linkset_of(client, with_cpv)) == links_by_anchor(linkset_of(client, item["gtin_path"]))
    # A serial under a variant we never issued: walking up past 21, 10 and 22 reaches the GTIN.
    everything = f"{item['gtin_path']}/22/ABC-1/10/{item['lot'].lot_code}/21/{item['serial']}"
    assert client.get(everything)["Location"] == client.get(item["gtin_path"])["Location"]


def test_RES_21_a_short_gtin_redirects_to_its_canonical_14_digit_uri(client, item):
    gtin13 = item["gtin"].lstrip("0")
    assert len(gtin13) == 13
    response = client.get(f"/01/{gtin13}/10/{item['lot'].lot_code}?foo=bar")
    assert response.status_code == 301
    assert response["Location"] == site(item["lot_path"]) + "?foo=bar"


def test_RES_22_an_unavailable_link_type_is_404(client, item):
    for link_type in ("gs1:nosuchlt", "gs1:recipeInfo", "gs1:epil"):
        response = client.get(item["lot_path"], {"linkType": link_type})
        assert response.status_code == 404, link_type


def test_RES_23_traceability_redirects_by_accept(client, item):
    lot = item["lot"]
    html = client.get(item["lot_path"] + "?linkType=gs1:traceability", HTTP_ACCEPT="text/html")
    assert html.status_code == 307 and html["Location"] == codes.short_link(lot.short_code)
    events = client.get(item["lot_path"] + "?linkType=gs1:traceability", HTTP_ACCEPT="application/ld+json")
    assert events.status_code == 307 and events["Location"] == site(f"/q/{lot.short_code}/epcis")
    document = client.get(urlsplit(events["Location"]).path)
    assert document.status_code == 200 and document["Content-Type"] == "application/ld+json"
    assert document.json()["type"] == "EPCISDocument"


def test_RES_24_the_linkset_comes_with_its_json_ld_context_and_declared_type(client, item):
    for accept, content_type in (("application/linkset+json", "application/linkset+json"),
                                 ("application/json", "application/json"),
                                 ("application/ld+json", "application/ld+json")):
        response = client.get(item["lot_path"], HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"] == content_type, accept
        assert response.json()["linkset"][0]["anchor"] == site(item["lot_path"])
        assert (f'<{resolver.CONTEXT_URL}>; rel="http://www.w3.org/ns/json-ld#context"; '
                'type="application/ld+json"') in response["Link"]


def test_RES_25_vary_on_accept_and_accept_language(client, item):
    for response in (client.get(item["lot_path"]), client.get(item["gtin_path"]),
                     client.get(item["lot_path"], HTTP_ACCEPT="application/linkset+json"),
                     client.get(item["lot_path"] + "?linkType=gs1:pip")):
        vary = {v.strip().lower() for v in response["Vary"].split(",")}
        assert {"accept", "accept-language"} <= vary


def test_RES_26_lot_and_serial_are_case_sensitive_on_digital_links(client, item):
    lot = item["lot"]
    lower = client.get(f"{item['gtin_path']}/10/{lot.lot_code.lower()}")
    assert lower.status_code == 200 and not lower.context["verdict"].startswith("AUTHENTIC")
    serial = client.get(f"{item['lot_path']}/21/{item['serial'].lower()}")
    assert not serial.context["verdict"].startswith("AUTHENTIC")
    typed = client.get("/q/" + codes.pretty(lot.short_code).lower())  # our own short codes stay forgiving
    assert typed.status_code == 200 and typed.context["verdict"].startswith("AUTHENTIC")


def test_RES_27_links_in_labels_and_linksets_parse_with_biip(client, item):
    body = linkset_of(client, item["serial_path"])
    for anchor in links_by_anchor(body):
        assert biip.parse(anchor).gs1_digital_link_uri_error is None, anchor
