"""Types of the producers' GraphQL part: what a producer's own software reads of its producer.

Every object here is reached through a root field that first asks producers.access who the
caller acts for; the types themselves never look further than the rows they are given."""
import graphene

from catalog.graphql.types import ProducerType, ProductType, VariantType
from producers.models import ProductChange, RenewalFile
from shop.errors import pick
from shop.graphql.core import countable_connection
from shop.graphql.types import SalesPointType
from traceability.graphql.types import BatchType


class ProducerRoleEnum(graphene.Enum):
    class Meta:
        name = "ProducerRole"

    OWNER = "OWNER"
    MEMBER = "MEMBER"


class MyProducer(graphene.ObjectType):
    """The producer the token's person acts for, and their role there."""

    producer = graphene.Field(ProducerType, required=True)
    role = graphene.Field(ProducerRoleEnum, required=True)
    is_owner = graphene.Boolean(required=True, description="Owners may invite and remove members")

    def resolve_role(acting, info):
        return str(acting.role)


class ProductChangeStatusEnum(graphene.Enum):
    class Meta:
        name = "ProductChangeStatus"

    DRAFT = "DRAFT"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"


class ProductChangeType(graphene.ObjectType):
    """What the producer proposes buyers see of a product, and where the province's review stands."""

    class Meta:
        name = "ProductChange"

    id = graphene.ID(required=True)
    status = graphene.Field(ProductChangeStatusEnum, required=True)
    proposed = graphene.JSONString(required=True, description="The proposed fields (description, description_en, "
                                                               "pack sizes …) as the portal stores them")
    comment = graphene.String(description="The province's comment when it sent the change back")
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    submitted_at = graphene.DateTime()
    reviewed_at = graphene.DateTime()

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, ProductChange)

    def resolve_id(change, info):
        return change.pk

    def resolve_status(change, info):
        return str(ProductChange.Status(change.status).value)

    def resolve_proposed(change, info):
        return change.fields or {}

    def resolve_comment(change, info):
        return change.comment or None


class PointStockType(graphene.ObjectType):
    """Units of one pack size at one sales point: read-only for producers."""

    class Meta:
        name = "ProducerPointStock"

    sales_point = graphene.Field(SalesPointType, required=True)
    variant = graphene.Field(VariantType, required=True)
    sku = graphene.String(required=True)
    quantity_on_hand = graphene.Int(required=True)
    quantity_available = graphene.Int(required=True, description="What buyers may order there now")

    def resolve_sku(row, info):
        return row.variant.sku


class MyProductType(graphene.ObjectType):
    """One of the producer's products: the catalogue's product, its stock per point, its open change."""

    class Meta:
        name = "MyProduct"

    product = graphene.Field(ProductType, required=True)
    stars = graphene.Int(description="Today's OCOP stars, null without a certificate in force")
    stock = graphene.List(graphene.NonNull(PointStockType), required=True)
    open_change = graphene.Field(ProductChangeType, description="The draft or pending change, if any")
    last_change = graphene.Field(ProductChangeType, description="The newest change, whatever its status (a sent-"
                                                                "back change carries the province's comment)")


class RenewalStatusEnum(graphene.Enum):
    class Meta:
        name = "RenewalStatus"

    OPEN = "OPEN"
    SUBMITTED = "SUBMITTED"
    DECIDED = "DECIDED"


class RenewalFileType(graphene.ObjectType):
    class Meta:
        name = "RenewalFile"

    id = graphene.ID(required=True)
    status = graphene.Field(RenewalStatusEnum, required=True)
    outcome = graphene.String(description="RENEWED, UPGRADED or NONE once decided")
    documents = graphene.Int(required=True, description="Dossier PDFs uploaded")
    created_at = graphene.DateTime(required=True)
    submitted_at = graphene.DateTime()
    decided_at = graphene.DateTime()

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, RenewalFile)

    def resolve_id(renewal, info):
        return renewal.pk

    def resolve_status(renewal, info):
        return str(RenewalFile.Status(renewal.status).value)

    def resolve_outcome(renewal, info):
        return renewal.outcome or None

    def resolve_documents(renewal, info):
        return renewal.document_count  # annotated by certificates.certificate_history


class MyCertificateType(graphene.ObjectType):
    """One OCOP certificate of one of the producer's products, with its countdown."""

    class Meta:
        name = "MyCertificate"

    product_name = graphene.String(required=True)
    product_slug = graphene.String(required=True)
    stars = graphene.Int(required=True)
    decision_number = graphene.String()
    decision_date = graphene.Date()
    expires_on = graphene.Date()
    days_left = graphene.Int(description="Days until it expires (negative: expired); null without an end date")
    status = graphene.String(required=True, description="The certificate's status today (catalog.certification)")
    renewal = graphene.Field(RenewalFileType, description="The product's newest renewal file")

    def resolve_product_name(row, info):
        return pick(row.product.name, row.product.name_en)

    def resolve_product_slug(row, info):
        return row.product.slug

    def resolve_stars(row, info):
        return row.cert.stars

    def resolve_decision_number(row, info):
        return getattr(row.cert, "decision_number", "") or None

    def resolve_decision_date(row, info):
        return getattr(row.cert, "decision_date", None)

    def resolve_days_left(row, info):
        return (row.expires_on - row.today).days if row.expires_on else None


MyLotCountableConnection = countable_connection(BatchType, "MyLotCountableConnection")


class CountRow(graphene.ObjectType):
    class Meta:
        name = "ProducerCountRow"

    key = graphene.String(required=True, description="A month (YYYY-MM), a verdict or a place")
    count = graphene.Int(required=True)


class MyScansSummary(graphene.ObjectType):
    """How often the producer's codes were scanned in the range, and what buyers reported."""

    start = graphene.Date(required=True)
    end = graphene.Date(required=True)
    scans = graphene.Int(required=True, description="Scan records (repeats of one client within minutes are one)")
    hits = graphene.Int(required=True, description="Every resolution, repeats included")
    suspicious = graphene.Int(required=True, description="Scans judged suspicious or not authentic")
    reports = graphene.Int(required=True, description="Reports from buyers about the producer's lots")
    by_verdict = graphene.List(graphene.NonNull(CountRow), required=True)
    by_month = graphene.List(graphene.NonNull(CountRow), required=True)
    by_place = graphene.List(graphene.NonNull(CountRow), required=True,
                             description="Scans by the district nearest to where they were made, most first")


class MySalesRow(graphene.ObjectType):
    """Units of the producer's products sold at one sales point in one month (from orders)."""

    sales_point = graphene.Field(SalesPointType, required=True)
    month = graphene.String(required=True, description="YYYY-MM")
    units = graphene.Int(required=True)
