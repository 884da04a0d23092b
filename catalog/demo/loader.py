"""Build the demo shop from the project's copy of the public OCOP facts.

Real: product names, producers, districts, communes, stars and years
(dienbien-ocop.json). Illustrative, written for the demo: English text,
pack sizes, prices, decision numbers and dates after the reported year,
stock, coordinates and opening hours (enrichment.json and this module).

Idempotent: every row is found by its natural key and updated, so running
it again changes nothing; stock rows and images already there are kept.
"""
import datetime
import json
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog import certification
from catalog.demo.signals import demo_loaded
from catalog.gtin import make_gtin
from catalog.models import Certification, Producer, Product, ProductGroup, ProductVariant
from catalog.slugs import make_slug
from shop.models import Commune, District, SalesPoint, StaffAssignment
from shop.permissions import sync_officer
from shop.text import nfc, slugify_vi

HERE = Path(__file__).resolve().parent
FACTS = HERE / "dienbien-ocop.json"
ENRICHMENT = HERE / "enrichment.json"
CLASSIFICATION = HERE / "ocop_classification.json"

DEMO_PASSWORD = "ocop-demo-2026"
DEMO_DOMAIN = "ocop-dienbien.example"

# District seats, approximate (for straight-line distances in routing).
DISTRICTS = {
    "094": ("Dien Bien Phu City", 21.3860, 103.0230),
    "095": ("Muong Lay Town", 22.0390, 103.1560),
    "096": ("Muong Nhe District", 22.1840, 102.4550),
    "097": ("Muong Cha District", 21.8090, 103.0660),
    "098": ("Tua Chua District", 21.8620, 103.3490),
    "099": ("Tuan Giao District", 21.5880, 103.4170),
    "100": ("Dien Bien District", 21.2870, 103.0120),
    "101": ("Dien Bien Dong District", 21.2630, 103.2490),
    "102": ("Muong Ang District", 21.5195, 103.2250),
    "103": ("Nam Po District", 21.9540, 102.8660),
}

# 2022 commune -> 2025 commune it went into (Resolution 1661/NQ-UBTVQH15), as far as the facts tell.
SUCCESSORS = {
    ("100", "xã Sam Mứn"): "xã Thanh An",
    ("100", "xã Thanh An"): "xã Thanh An",
    ("100", "xã Pom Lót"): "xã Sam Mứn",
    ("100", "xã Na Ư"): "xã Sam Mứn",
    ("097", "thị trấn Mường Chà"): "xã Na Sang",
    ("097", "xã Na Sang"): "xã Na Sang",
    ("103", "xã Chà Cang"): "xã Mường Chà",
    ("103", "xã Chà Nưa"): "xã Mường Chà",
    ("103", "xã Nậm Tin"): "xã Mường Chà",
    ("103", "xã Pa Tần"): "xã Mường Chà",
    ("098", "xã Mường Đun"): "xã Sáng Nhè",
    ("094", "phường Mường Thanh"): "phường Mường Thanh",
}

SALES_POINTS = [
    # code, kind, district, name_en, address, lat, lon, hours, delivers_to, priority, fact index
    ("tinh", "PROVINCIAL", "094", "Điện Biên provincial OCOP centre",
     "Trung tâm Giao lưu Văn hóa và Thông tin du lịch, phường Mường Thanh, Điện Biên Phủ", 21.3856, 103.0170,
     "7:30–21:00 hằng ngày", list(DISTRICTS), 10, 0),
    ("dien-bien", "DISTRICT", "100", "Điện Biên district OCOP point", "Trung tâm huyện Điện Biên", 21.2870, 103.0120,
     "7:30–17:30, thứ Hai–thứ Bảy", ["100", "094", "101"], 20, 1),
    ("muong-ang", "DISTRICT", "102", "Mường Ảng district OCOP point",
     "Chợ trung tâm thị trấn Mường Ảng (khoảng 120 m²)", 21.5195, 103.2250, "7:00–18:00 hằng ngày", ["102", "099"], 20, 2),
    ("tuan-giao", "DISTRICT", "099", "Tuần Giáo district OCOP point", "Thị trấn Tuần Giáo", 21.5880, 103.4170,
     "7:30–17:30, thứ Hai–thứ Bảy", ["099", "098", "102", "097"], 20, 3),
    ("hoi-cho", "FAIR", "094", "Điện Biên OCOP fair stall",
     "Trung tâm Giao lưu Văn hóa và Thông tin du lịch Điện Biên Phủ (gian hàng hội chợ)", 21.3858, 103.0175,
     "8:00–22:00 trong thời gian hội chợ", [], 50, 4),
]

PRODUCER_KINDS = {
    "cooperative": Producer.Kind.COOPERATIVE, "enterprise": Producer.Kind.ENTERPRISE,
    "household": Producer.Kind.HOUSEHOLD, "cooperative_group": Producer.Kind.COOPERATIVE_GROUP,
}

# Products whose current certificate the demo puts inside its last 90 days.
EXPIRING_SOON = {"Gạo Tâm Sáng – Séng Cù", "Rượu nếp 27", "Miến Hoàng Tâm", "Bí xanh Tìa Dình"}
LAPSED = {"Chẳm chéo M'Then"}


@dataclass
class Summary:
    counts: dict = field(default_factory=dict)

    def add(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n

    def __str__(self):
        return ", ".join(f"{k}: {v}" for k, v in self.counts.items())


def _rng(key: str) -> random.Random:
    return random.Random(zlib.crc32(key.encode()))


def _commune_kind(name: str):
    for prefix, kind in (("thị trấn ", Commune.Kind.TOWNSHIP), ("phường ", Commune.Kind.WARD), ("xã ", Commune.Kind.COMMUNE)):
        if name.startswith(prefix):
            return kind, name[len(prefix):]
    return Commune.Kind.COMMUNE, name


class DemoLoader:
    def __init__(self, today: datetime.date | None = None, with_images: bool = True):
        self.today = today or certification.today()
        self.with_images = with_images
        self.facts = json.loads(FACTS.read_text("utf-8"))
        self.enrichment = json.loads(ENRICHMENT.read_text("utf-8"))["products"]
        self.summary = Summary()
        self.districts: dict[str, District] = {}
        self.district_by_name: dict[str, District] = {}
        self.communes_2022: dict[tuple, Commune] = {}
        self.communes_2025: dict[str, Commune] = {}

    def run(self) -> Summary:
        with transaction.atomic():
            self.load_units()
            self.load_classification()
            self.load_sales_points()
            self.load_products()
            self.load_users()
            demo_loaded.send(sender=DemoLoader, loader=self)
        return self.summary

    # -- administrative units -------------------------------------------------
    def load_units(self):
        for d in self.facts["districts_2022"]:
            name_en, lat, lon = DISTRICTS[d["code"]]
            district, _ = District.objects.update_or_create(
                code=d["code"], defaults={"name": d["name"], "name_en": name_en, "latitude": lat, "longitude": lon}
            )
            self.districts[d["code"]] = self.district_by_name[d["name"]] = district
        names_2022 = {(d["code"], n) for d in self.facts["districts_2022"] for n in d["examples"]}
        names_2022 |= set(SUCCESSORS)
        for p in self.facts["products"]:
            if p.get("commune") and p.get("district"):
                names_2022.add((self.district_by_name[p["district"]].code, p["commune"]))
        names_2025 = set(SUCCESSORS.values()) | {p["commune_2025"] for p in self.facts["products"] if p.get("commune_2025")}
        names_2025 |= {f"phường {w}" for w in self.facts["province"]["units_2025"]["wards_names"]}
        for full in sorted(names_2025):
            kind, name = _commune_kind(full)
            self.communes_2025[full], _ = Commune.objects.update_or_create(
                slug=slugify_vi(f"{kind}-{name}-2025"), defaults={"name": name, "kind": kind, "era": 2025}
            )
        for code, full in sorted(names_2022):
            kind, name = _commune_kind(full)
            successor = self.communes_2025.get(SUCCESSORS.get((code, full), ""))
            self.communes_2022[(code, full)], _ = Commune.objects.update_or_create(
                slug=slugify_vi(f"{kind}-{name}-{code}"),
                defaults={"name": name, "kind": kind, "era": 2022, "district": self.districts[code], "successor": successor},
            )
        self.summary.add("communes", len(self.communes_2022) + len(self.communes_2025))

    def load_classification(self):
        tree = json.loads(CLASSIFICATION.read_text("utf-8"))
        decision = tree["decision"]
        codes = [n["code"] for g in tree["groups"] for n in [g, *g["subgroups"], *(s for sg in g["subgroups"] for s in sg["sets"])]]
        if len(codes) != len(set(codes)):  # a reused code would make a node its own ancestor
            raise ValueError(f"duplicate classification codes: {sorted({c for c in codes if codes.count(c) > 1})}")

        def upsert(node, level, parent, position):
            group, _ = ProductGroup.objects.update_or_create(
                code=node["code"],
                defaults={"name": node["name"], "name_en": node["name_en"], "level": level, "parent": parent,
                          "decision": decision, "position": position},
            )
            return group

        for i, g in enumerate(tree["groups"]):
            group = upsert(g, ProductGroup.Level.GROUP, None, i)
            for j, sg in enumerate(g["subgroups"]):
                sub = upsert(sg, ProductGroup.Level.SUBGROUP, group, j)
                for k, s in enumerate(sg["sets"]):
                    upsert(s, ProductGroup.Level.PRODUCT_SET, sub, k)
        self.groups = {g.code: g for g in ProductGroup.objects.all()}

    # -- sales points ---------------------------------------------------------
    def load_sales_points(self):
        facts = self.facts["sales_points"]
        self.points = {}
        for code, kind, dcode, name_en, address, lat, lon, hours, delivers, priority, fact in SALES_POINTS:
            fair = kind == "FAIR"
            point, _ = SalesPoint.objects.update_or_create(
                code=code,
                defaults={
                    "name": facts[fact]["name"], "name_en": name_en, "kind": kind, "district": self.districts[dcode],
                    "address": address, "latitude": lat, "longitude": lon, "opening_hours": hours,
                    "pickup_enabled": True, "priority": priority,
                    # The demo's fair runs around the day the demo is loaded, so the stall is visible.
                    "starts_on": self.today - datetime.timedelta(days=2) if fair else None,
                    "ends_on": self.today + datetime.timedelta(days=12) if fair else None,
                },
            )
            point.delivers_to.set([self.districts[c] for c in delivers])
            self.points[code] = point
        self.summary.add("sales points", len(self.points))

    # -- producers and products ---------------------------------------------
    def producer_for(self, fact) -> Producer | None:
        if not fact.get("producer"):
            return None
        district = self.district_by_name.get(fact.get("district") or "")
        former = self.communes_2022.get((district.code, fact["commune"])) if district and fact.get("commune") else None
        current = self.communes_2025.get(fact.get("commune_2025") or "")
        defaults = {"name": fact["producer"], "kind": PRODUCER_KINDS.get(fact.get("producer_kind"), Producer.Kind.ENTERPRISE)}
        place = {"district": district, "former_commune": former, "commune": current}
        producer, created = Producer.objects.get_or_create(slug=make_slug(fact["producer"]), defaults={**defaults, **place})
        changed = [k for k, v in place.items() if v is not None and getattr(producer, k) is None]
        for k in changed:
            setattr(producer, k, place[k])
        if changed:
            producer.save(update_fields=changed)
        if created:
            self.summary.add("producers")
        return producer

    def load_products(self):
        for index, fact in enumerate(self.facts["products"]):
            extra = self.enrichment[nfc(fact["name"])]
            producer = self.producer_for(fact)
            district = self.district_by_name.get(fact.get("district") or "")
            commune = self.communes_2022.get((district.code, fact["commune"])) if district and fact.get("commune") else None
            product, _ = Product.objects.update_or_create(
                slug=make_slug(fact["name"]),
                defaults={
                    "name": nfc(fact["name"]), "name_en": extra["name_en"], "description": extra["description"],
                    "description_en": extra["description_en"], "group": self.groups[extra["product_set"]],
                    "producer": producer, "district": district, "commune": commune,
                    "ingredients": extra.get("ingredients", ""), "ingredients_en": extra.get("ingredients_en", ""),
                    "usage": extra.get("usage", ""), "usage_en": extra.get("usage_en", ""),
                    "storage": extra.get("storage", ""), "storage_en": extra.get("storage_en", ""),
                    "shelf_life_days": extra.get("shelf_life_days"),
                    "keywords_en": ", ".join(extra.get("keywords_en", []))[:300],
                    "is_published": True, "search_dirty": True,
                },
            )
            self.summary.add("products")
            self.load_variants(product, extra["variants"], index, with_gtin=producer is not None)
            self.load_certificates(product, fact, index)
            if self.with_images and not product.images.exists():
                self.load_picture(product, extra.get("picture") or {})

    def load_variants(self, product, specs, index, with_gtin):
        variants = []
        for position, spec in enumerate(specs):
            sku = f"{product.slug[:48]}-{spec['code']}".upper()
            # Demo GTINs use GS1 prefix 952, reserved by GS1 for demonstrations.
            gtin = make_gtin(f"952{index + 1:04d}{position + 1:05d}") if with_gtin else None
            variant, _ = ProductVariant.objects.update_or_create(
                sku=sku,
                defaults={
                    "product": product, "name": spec["name"], "name_en": spec["name_en"], "pack_size": spec["pack_size"],
                    "weight_grams": spec["weight_grams"], "price_vnd": spec["price_vnd"], "gtin": gtin,
                    "position": position, "is_published": True,
                },
            )
            variants.append(variant)
        self.summary.add("variants", len(variants))
        return variants

    def load_certificates(self, product, fact, index):
        if not fact.get("stars"):
            return
        rng = _rng(product.slug)
        year = fact.get("year") or 2023
        first_date = datetime.date(year, rng.randint(3, 12), rng.randint(1, 28))
        body = "UBND tỉnh Điện Biên"
        chain = [(first_date, "NEW")]
        if fact.get("recertified"):
            chain.append((datetime.date(fact["recertified"], rng.randint(3, 11), rng.randint(1, 28)), "RECERTIFICATION"))
        if nfc(fact["name"]) in LAPSED:
            pass  # the certificate lapsed and was not renewed: it must show as expired
        elif nfc(fact["name"]) in EXPIRING_SOON:
            # Renewed so that it now has 30–80 days left: the shop warns, the mark still shows.
            end = self.today + datetime.timedelta(days=rng.randint(30, 80))
            renewed = certification.add_months(end + datetime.timedelta(days=1), -36)
            chain = chain + [(renewed, "RECERTIFICATION")] if renewed > chain[-1][0] else [(renewed, "NEW")]
        else:
            while certification.validity_end(chain[-1][0]) < self.today + datetime.timedelta(days=120):
                renewed = certification.validity_end(chain[-1][0]) + datetime.timedelta(days=rng.randint(1, 30))
                if renewed > self.today:  # never a decision in the future: renew early instead
                    renewed = self.today - datetime.timedelta(days=rng.randint(10, 60))
                chain.append((renewed, "RECERTIFICATION"))
        for n, (decision_date, kind) in enumerate(chain):
            number = f"{100 + index * 7 + n}/QĐ-UBND"
            if Certification.objects.filter(product=product, decision_number=number).exists():
                continue
            certification.certify(
                product=product, stars=fact["stars"], score=70 if fact["stars"] == 3 else 80,
                decision_number=number, decision_date=decision_date, issuing_body=body,
                issuing_level="PROVINCE", kind=kind,
            )
            self.summary.add("certificates")

    def load_picture(self, product, picture):
        from catalog.images import draw_product_picture
        from catalog.media import add_product_image

        subtitle = product.district.short_name if product.district_id else "Điện Biên"
        data = draw_product_picture(
            product.name, subtitle, motif=picture.get("motif", "pack"), color=picture.get("color", "#2e7d32")
        )
        add_product_image(product=product, data=data, filename=f"{product.slug}.jpg", alt=product.name, alt_en=product.name_en)
        self.summary.add("images")

    # -- demo logins ----------------------------------------------------------
    def load_users(self):
        User = get_user_model()

        def user(email, superuser=False):
            u, created = User.objects.get_or_create(username=email, defaults={"email": email, "is_staff": True})
            if created:
                u.set_password(DEMO_PASSWORD)
                u.is_superuser = superuser
                u.save()
            return u

        user(f"admin@{DEMO_DOMAIN}", superuser=True)
        province = user(f"tinh@{DEMO_DOMAIN}")
        StaffAssignment.objects.get_or_create(user=province, sales_point=None, defaults={"role": "province"})
        sync_officer(province)  # the province officers' admin group ("Cán bộ tỉnh")
        for code in ("tinh", "dien-bien", "muong-ang", "tuan-giao"):
            clerk = user(f"{code}@{DEMO_DOMAIN}")
            StaffAssignment.objects.get_or_create(user=clerk, sales_point=self.points[code], defaults={"role": "manager"})
