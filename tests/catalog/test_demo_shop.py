import json
from pathlib import Path

from django.core.management import call_command

from catalog import certification
from catalog.certification import CertificateStatus
from catalog.demo.loader import DemoLoader
from catalog.models import Certification, Producer, Product, ProductVariant
from inventory import availability
from inventory.models import Stock
from shop.models import Commune, SalesPoint

FACTS = json.loads((Path(__file__).resolve().parents[2] / "catalog/demo/dienbien-ocop.json").read_text("utf-8"))

ALL_PRODUCTS = """{ products(first: 100, filter: {certifiedOnly: false}) { totalCount edges { node {
  name nameEn producer { name district commune } ocop { stars status } variants { priceVnd gtin } } } } }"""


def test_every_real_product_is_in_the_shop_with_an_english_name(demo, gql):
    body = gql(ALL_PRODUCTS)["data"]["products"]
    by_name = {e["node"]["name"]: e["node"] for e in body["edges"]}
    assert body["totalCount"] == len(FACTS["products"]) == 47
    for fact in FACTS["products"]:
        node = by_name[fact["name"]]
        assert node["nameEn"], fact["name"]
        assert node["variants"] and all(v["priceVnd"] % 1000 == 0 for v in node["variants"])
        if fact.get("producer"):
            assert node["producer"]["name"] == fact["producer"]


def test_the_lapsed_mthen_certificate_shows_no_mark(demo, gql):
    mthen = Product.objects.get(name="Chẳm chéo M'Then")
    assert certification.displayable(mthen.certifications.all()) is None
    assert mthen.certifications.get().status_on(certification.today()) == CertificateStatus.EXPIRED
    certified = gql("{ products(first: 100) { edges { node { name } } } }")["data"]["products"]["edges"]
    names = {e["node"]["name"] for e in certified}
    assert "Chẳm chéo M'Then" not in names
    assert len(names) == 44  # 47 less M'Then and the two products reported without stars
    node = gql('{ product(slug: "cham-cheo-m-then") { ocop { stars } } }')["data"]["product"]
    assert node["ocop"] is None


def test_stars_and_years_follow_the_facts(demo):
    for fact in FACTS["products"]:
        product = Product.objects.get(name=fact["name"])
        first = product.certifications.order_by("decision_date").first()
        if fact.get("stars"):
            assert first.stars == fact["stars"]
            if fact.get("year"):
                assert first.decision_date.year == fact["year"]
        else:
            assert first is None


def test_some_certificates_expire_within_90_days(demo):
    expiring, expired = certification.report()
    assert len(expiring) >= 3
    assert all(c.status_on(certification.today()) == CertificateStatus.EXPIRING for c in expiring)
    assert [c.product.name for c in expired] == ["Chẳm chéo M'Then"]


def test_sales_network_and_communes(demo):
    assert set(SalesPoint.objects.values_list("code", "kind")) == {
        ("tinh", "PROVINCIAL"), ("dien-bien", "DISTRICT"), ("muong-ang", "DISTRICT"), ("tuan-giao", "DISTRICT"),
        ("hoi-cho", "FAIR"),
    }
    today = certification.today()
    assert availability.open_points(today).filter(code="hoi-cho").exists()
    sam_mun_2022 = Commune.objects.get(name="Sam Mứn", era=2022)
    assert sam_mun_2022.successor.name == "Thanh An"  # the 2025 merger trap: old Sam Mứn is now Thanh An
    assert Commune.objects.get(name="Sam Mứn", era=2025).predecessors.filter(name="Pom Lót").exists()
    honey = Producer.objects.get(name="HTX Ong mật Điện Biên")
    assert honey.commune.name == "Thanh An" and honey.former_commune.name == "Sam Mứn"
    assert Stock.objects.filter(sales_point__code="tinh").count() == ProductVariant.objects.count()
    assert ProductVariant.objects.filter(gtin__startswith="0952").exists()


def test_load_demo_is_idempotent(demo):
    def snapshot():
        return (Product.objects.count(), ProductVariant.objects.count(), Certification.objects.count(),
                Stock.objects.count(), Commune.objects.count(), list(Stock.objects.values_list("quantity_on_hand", flat=True)))

    before = snapshot()
    DemoLoader(with_images=False).run()
    assert snapshot() == before


def test_load_demo_command_draws_pictures(db, settings, tmp_path, capsys, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # the renditions are made after the commit
        call_command("load_demo")
    product = Product.objects.get(name="Mật ong hoa ban")
    image = product.images.get()
    assert (image.width, image.height) == (800, 800)
    assert [r["width"] for r in image.renditions] == [160, 320, 640]
    assert all((tmp_path / r["path"]).exists() for r in image.renditions)
    assert "Demo shop loaded" in capsys.readouterr().out


def test_certification_report_command_lists_expired_and_expiring(demo, capsys):
    call_command("certification_report")
    out = capsys.readouterr().out
    assert "Chẳm chéo M'Then" in out.split("Đã hết hạn")[1]
    assert "Sắp hết hạn" in out


def test_generate_catalog_bulk_creates_products(demo):
    before = Product.objects.count()
    call_command("generate_catalog", products=300)
    assert Product.objects.count() == before + 300
    assert ProductVariant.objects.filter(product__slug__startswith="syn-").count() == 600
