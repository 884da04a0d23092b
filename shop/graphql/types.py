import graphene

from shop.models import SalesPoint


class SalesPointKind(graphene.Enum):
    PROVINCIAL = "PROVINCIAL"
    DISTRICT = "DISTRICT"
    FAIR = "FAIR"


class SalesPointType(graphene.ObjectType):
    class Meta:
        name = "SalesPoint"
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True)
    name = graphene.String(required=True)
    name_en = graphene.String()
    kind = graphene.Field(SalesPointKind, required=True)
    district = graphene.String(description="The 2022 district's name")
    district_code = graphene.String()
    address = graphene.String(required=True)
    phone = graphene.String()
    opening_hours = graphene.String()
    pickup_enabled = graphene.Boolean(required=True)
    latitude = graphene.Float(required=True)
    longitude = graphene.Float(required=True)
    starts_on = graphene.Date()
    ends_on = graphene.Date()
    is_active = graphene.Boolean(required=True)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, SalesPoint)

    @classmethod
    def get_node(cls, info, id):
        return SalesPoint.objects.select_related("district").filter(pk=id).first()

    def resolve_district(sp, info):
        return sp.district.name

    def resolve_district_code(sp, info):
        return sp.district.code
