"""The country's administrative units since 1 July 2025, for address forms: `provinces` and
`communes(province, search)`. Thin callers of shop/addresses.py.

`provinces { communes }` costs two queries whatever is asked: the provinces, then every
province's communes at once (CommunesByProvince, primed with all the provinces).
"""
import graphene
from django.utils import translation
from graphql import GraphQLError

from shop import addresses
from shop.errors import ShopError
from shop.graphql.loaders import BatchLoader, group_by
from shop.models import Commune, Province


class CommunesByProvince(BatchLoader):
    key_kind = "province"
    many = True

    def batch_load(self, keys):
        rows = Commune.objects.filter(era=Commune.Era.Y2025, province_id__in=keys).order_by("folded_name", "id")
        return group_by(rows, "province_id")


class ProvinceKindEnum(graphene.Enum):
    PROVINCE = "tinh"
    CITY = "thanh_pho"


class CommuneKindEnum(graphene.Enum):
    COMMUNE = "xa"
    WARD = "phuong"
    TOWNSHIP = "thi_tran"
    SPECIAL_ZONE = "dac_khu"


class ProvinceType(graphene.ObjectType):
    class Meta:
        name = "Province"
        description = "A province or centrally-run city since 1 July 2025 (34 of them)."

    code = graphene.String(required=True, description="GSO code, two digits: '11' is Điện Biên, '01' Hà Nội")
    name = graphene.String(required=True, description="'Điện Biên', 'Thành phố Hà Nội'")
    name_en = graphene.String(required=True, description="Without diacritics: 'Dien Bien', 'Ha Noi City'")
    codename = graphene.String(required=True)
    kind = graphene.Field(ProvinceKindEnum, required=True)
    label = graphene.String(required=True, description="In the request's language: 'tỉnh Điện Biên' / 'Dien Bien Province'")
    communes = graphene.List(graphene.NonNull(lambda: CommuneType), required=True,
                             description="Its communes, wards and special zones, alphabetically")

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Province)

    def resolve_label(province, info):
        return addresses.province_label(province, translation.get_language())

    def resolve_communes(province, info):
        rows = CommunesByProvince.of(info.context).load(province.pk)
        for commune in rows:
            commune.province = province  # the parent, without a query per commune
        return rows


class CommuneType(graphene.ObjectType):
    class Meta:
        name = "Commune"
        interfaces = (graphene.relay.Node,)
        description = ("A commune (xã), ward (phường), township or special zone (đặc khu). Its id is what "
                       "checkout's shippingAddress.communeId takes.")

    code = graphene.String(description="GSO code (five digits) when known")
    name = graphene.String(required=True, description="Without the kind word: 'Thanh An'")
    kind = graphene.Field(CommuneKindEnum, required=True)
    era = graphene.Int(required=True, description="2025 for the units since 1 July 2025, 2022 for the old ones")
    province = graphene.Field(ProvinceType, description="Set for the units since 1 July 2025")
    label = graphene.String(required=True, description="In the request's language: 'Xã Thanh An, tỉnh Điện Biên'")

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Commune)

    @classmethod
    def get_node(cls, info, id):
        return Commune.objects.select_related("province", "district").filter(pk=id).first()

    def resolve_code(commune, info):
        return commune.code or None

    def resolve_province(commune, info):
        return commune.province if commune.province_id else None

    def resolve_label(commune, info):
        return addresses.commune_label(commune, translation.get_language())


def _query_error(exc: ShopError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.upper(), "field": exc.field})


class Query(graphene.ObjectType):
    provinces = graphene.List(graphene.NonNull(ProvinceType), required=True,
                              description="The 34 provinces and cities since 1 July 2025, in GSO code order")
    communes = graphene.List(
        graphene.NonNull(CommuneType), required=True, province=graphene.String(required=True),
        search=graphene.String(description="Without diacritics or case; matches a name's words by their start"),
        description="A province's communes, wards and special zones since 1 July 2025",
    )

    def resolve_provinces(root, info):
        rows = addresses.provinces()
        CommunesByProvince.of(info.context).prime(p.pk for p in rows)
        return rows

    def resolve_communes(root, info, province, search=None):
        try:
            return addresses.communes(province, search)
        except ShopError as exc:
            raise _query_error(exc) from None
