import graphene
from django.core.files.storage import default_storage

from catalog import certification
from catalog.graphql.loaders import (
    CertificationsByProduct,
    CommunesById,
    DistrictsById,
    ImagesByProduct,
    VariantsByProduct,
)
from catalog.models import Producer, Product, ProductVariant
from shop.graphql.core import countable_connection
from shop.graphql.loaders import provided
from shop.graphql.types import SalesPointType


class OcopCertificateStatus(graphene.Enum):
    VALID = "VALID"
    EXPIRING = "EXPIRING"


class OcopCertificate(graphene.ObjectType):
    """The OCOP certificate in force. Absent (null) when none is valid."""

    stars = graphene.Int(required=True)
    score = graphene.Int()
    certificate_number = graphene.String(required=True)
    decision_date = graphene.Date(required=True)
    valid_until = graphene.Date(required=True)
    status = graphene.Field(OcopCertificateStatus, required=True)
    issuing_body = graphene.String(required=True)
    issuing_level = graphene.String(required=True)

    @staticmethod
    def of(cert):
        return OcopCertificate(
            stars=cert.stars, score=cert.score, certificate_number=cert.decision_number,
            decision_date=cert.decision_date, valid_until=cert.valid_until,
            status=certification.status_of(cert).value, issuing_body=cert.issuing_body, issuing_level=cert.issuing_level,
        )


class ProducerType(graphene.ObjectType):
    class Meta:
        name = "Producer"
        interfaces = (graphene.relay.Node,)

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    kind = graphene.String(required=True, description="COOPERATIVE, ENTERPRISE, COOPERATIVE_GROUP or HOUSEHOLD")
    district = graphene.String(description="The 2022 district's name")
    district_code = graphene.String()
    commune = graphene.String(description="The commune today (after the 2025 merger)")
    former_commune = graphene.String(description="The commune before 1 July 2025")
    address = graphene.String()
    phone = graphene.String()
    story = graphene.String()
    story_en = graphene.String()

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Producer)

    @classmethod
    def get_node(cls, info, id):
        return Producer.objects.filter(pk=id).first()

    def resolve_district(p, info):
        return _district(info, p.district_id, "name")

    def resolve_district_code(p, info):
        return _district(info, p.district_id, "code")

    def resolve_commune(p, info):
        return _commune(info, p.commune_id)

    def resolve_former_commune(p, info):
        return _commune(info, p.former_commune_id)


def _district(info, district_id, attr):
    district = DistrictsById.of(info.context).load(district_id) if district_id else None
    return getattr(district, attr) if district else None


def _commune(info, commune_id):
    commune = CommunesById.of(info.context).load(commune_id) if commune_id else None
    return str(commune) if commune else None


class StockLevel(graphene.ObjectType):
    sales_point = graphene.Field(SalesPointType, required=True)
    quantity_available = graphene.Int(required=True)


class VariantType(graphene.ObjectType):
    class Meta:
        name = "ProductVariant"
        interfaces = (graphene.relay.Node,)

    sku = graphene.String(required=True)
    name = graphene.String(required=True)
    name_en = graphene.String()
    pack_size = graphene.String()
    weight_grams = graphene.Int()
    price_vnd = graphene.Int(required=True, description="Whole đồng")
    gtin = graphene.String(description="GTIN-14, when the variant has one")
    stock = graphene.List(graphene.NonNull(StockLevel), required=True,
                          description="Units sellable today, per open sales point that has any")

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, ProductVariant)

    @classmethod
    def get_node(cls, info, id):
        return ProductVariant.objects.filter(pk=id, is_published=True).first()

    def resolve_stock(v, info):
        # Inventory (above this app) loads it: its availability policy decides what counts.
        # Plain dicts: StockLevel's default resolvers read them, cheaper than an ObjectType per row.
        return [
            {"sales_point": point, "quantity_available": quantity}
            for point, quantity in provided("variant_stock").of(info.context).load(v.pk)
        ]


class ImageType(graphene.ObjectType):
    class Meta:
        name = "Image"

    url = graphene.String(required=True)
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)
    alt = graphene.String()
    srcset = graphene.String(description="WebP renditions for <img srcset>")


def _rendition_url(path):
    return default_storage.url(path)


def image_of(image, size: int | None = None) -> ImageType:
    """The original, or the smallest WebP rendition at least `size` wide."""
    renditions = image.renditions or []
    srcset = ", ".join(f"{_rendition_url(r['path'])} {r['width']}w" for r in renditions)
    if size and renditions:
        fitting = [r for r in renditions if r["width"] >= size] or renditions[-1:]
        r = fitting[0]
        return ImageType(url=_rendition_url(r["path"]), width=r["width"], height=r["height"], alt=image.alt, srcset=srcset)
    return ImageType(url=image.image.url, width=image.width, height=image.height, alt=image.alt, srcset=srcset)


class PriceRange(graphene.ObjectType):
    min = graphene.Int(required=True)
    max = graphene.Int(required=True)


class ProductType(graphene.ObjectType):
    class Meta:
        name = "Product"
        interfaces = (graphene.relay.Node,)

    slug = graphene.String(required=True)
    name = graphene.String(required=True, description="Vietnamese name")
    name_en = graphene.String(description="English name")
    description = graphene.String()
    description_en = graphene.String()
    ingredients = graphene.String()
    usage = graphene.String()
    storage = graphene.String()
    shelf_life_days = graphene.Int()
    producer = graphene.Field(ProducerType)
    group = graphene.String(description="The OCOP product set (or group) name")
    group_code = graphene.String()
    district = graphene.String(description="The 2022 district of origin")
    ocop = graphene.Field(OcopCertificate, description="The valid certificate, or null: the OCOP mark is shown only while valid")
    variants = graphene.List(graphene.NonNull(VariantType), required=True)
    thumbnail = graphene.Field(ImageType, size=graphene.Int())
    images = graphene.List(graphene.NonNull(ImageType), required=True)
    price_range = graphene.Field(PriceRange)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Product)

    @classmethod
    def get_node(cls, info, id):
        return product_queryset().filter(pk=id).first()

    def resolve_group(p, info):
        return p.group.name

    def resolve_group_code(p, info):
        return p.group.code

    def resolve_district(p, info):
        return _district(info, p.district_id or (p.producer.district_id if p.producer_id else None), "name")

    def resolve_ocop(p, info):
        cert = certification.displayable(CertificationsByProduct.of(info.context).load(p.pk))
        return OcopCertificate.of(cert) if cert else None

    def resolve_variants(p, info):
        return VariantsByProduct.of(info.context).load(p.pk)

    def resolve_images(p, info):
        return [image_of(i) for i in ImagesByProduct.of(info.context).load(p.pk)]

    def resolve_thumbnail(p, info, size=None):
        images = ImagesByProduct.of(info.context).load(p.pk)
        return image_of(images[0], size or 320) if images else None

    def resolve_price_range(p, info):
        prices = [v.price_vnd for v in VariantsByProduct.of(info.context).load(p.pk)]
        return PriceRange(min=min(prices), max=max(prices)) if prices else None


def product_queryset():
    # Places come from the request's loaders, not joins (see DistrictsById).
    return Product.objects.published().select_related("producer", "group")


ProductCountableConnection = countable_connection(ProductType, "ProductCountableConnection")
ProducerCountableConnection = countable_connection(ProducerType, "ProducerCountableConnection")
