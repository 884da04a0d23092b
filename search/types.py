"""The search contract every backend honours: what is asked, what comes back."""
import datetime
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

SORT_FIELDS = ("RELEVANCE", "NAME", "PRICE", "STARS", "NEWEST")
FACET_FIELDS = ("group", "stars", "district", "producer", "priceBand", "salesPoint")


@dataclass
class SearchFilters:
    """The catalogue filters (ProductFilterInput). Lists are OR within a field, AND across fields."""

    groups: list[str] = field(default_factory=list)  # any level of the OCOP classification
    stars: list[int] = field(default_factory=list)  # of a certificate valid today
    districts: list[str] = field(default_factory=list)  # 2022 district codes
    producers: list[int] = field(default_factory=list)
    price_gte: int | None = None  # a published variant priced within [gte, lte]
    price_lte: int | None = None
    available_at: list[int] = field(default_factory=list)  # sales point ids with stock
    certified_only: bool = True


@dataclass
class SearchRequest:
    query: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: str = "RELEVANCE"  # RELEVANCE, NAME, PRICE, STARS, NEWEST
    descending: bool = False
    offset: int = 0
    limit: int = 20
    facets: bool = True
    day: datetime.date | None = None  # certificates are judged on this day (default: today)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class Facet:
    field: str
    values: list[FacetValue]


@dataclass
class SearchResult:
    product_ids: list[int]  # this page, best first
    total: int
    facets: list[Facet]
    backend: str  # "embedded" or "elasticsearch"
    took_ms: float
    offset: int = 0
    fallback: bool = False  # Elasticsearch was configured but did not answer


@dataclass
class Suggestion:
    text: str
    kind: str  # PRODUCT
    slug: str | None = None
    product_id: int | None = None


@dataclass
class IndexReport:
    indexed: int = 0
    deleted: int = 0
    failures: list = field(default_factory=list)
    seconds: float = 0.0


@runtime_checkable
class SearchBackend(Protocol):
    """What a search backend does. Callers use the `search` package, never a backend."""

    name: str

    def index(self, product_ids: list[int]) -> IndexReport: ...

    def delete(self, product_ids: list[int]) -> IndexReport: ...

    def rebuild(self, progress=None) -> IndexReport: ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]: ...

    def status(self) -> str: ...
