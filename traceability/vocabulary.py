"""The EPCIS words the shop uses, with their Vietnamese and English labels.

CBV 2.0 business steps are stored by their bare names ("packing"), as
EPCIS 2.0 JSON-LD writes them. Harvesting is not a CBV step, so it is an
extension URI in the shop's own vocabulary (settings.TRACE_VOCABULARY); in
an EPCIS export it becomes the commissioning of the raw material's own lot
(CBV 2.0: commissioning "encompasses ... harvesting").

Which disposition goes with which step is CBV 2.0's own table
(`DISPOSITION_STEPS`, from the business steps each disposition's definition
names): `retail_selling` goes with `retail_sold` only; a product on the
shelf is `stocking` (or `receiving`) with `sellable_accessible`.
"""
from django.conf import settings

from shop.errors import pick

CBV_BIZ_STEPS = frozenset("""
accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting
decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting
installing killing loading other packing picking receiving removing repackaging repairing replacing reserving
retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting
unloading unpacking void_shipping
""".split())

CBV_DISPOSITIONS = frozenset("""
active available completeness_inferred completeness_verified conformant container_closed container_open damaged
destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_class mismatch_instance
mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled
reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown
""".split())

# Shop extensions: short name -> path under TRACE_VOCABULARY.
EXTENSION_STEPS = {"harvesting": "bizstep-harvesting"}

# CBV 2.0 (ref.gs1.org/cbv, the Disp-* definitions): the business steps each
# disposition is defined for. A disposition absent from this table names no
# step in CBV 2.0 and may go with any step.
DISPOSITION_STEPS = {
    "active": frozenset({"commissioning"}),
    "conformant": frozenset({"inspecting", "repairing"}),
    "non_conformant": frozenset({"inspecting", "repairing"}),
    "container_closed": frozenset({"staging_outbound"}),
    "completeness_verified": frozenset({"unpacking", "inspecting"}),
    "damaged": frozenset({"accepting", "inspecting", "receiving", "removing", "repairing", "replacing"}),
    "destroyed": frozenset({"destroying"}),
    "encoded": frozenset({"encoding"}),
    "expired": frozenset({"holding", "staging_outbound", "storing"}),
    "in_transit": frozenset({"shipping", "departing"}),
    "inactive": frozenset({"decommissioning"}),
    "no_pedigree_match": frozenset({"holding", "staging_outbound", "storing"}),
    "non_sellable_other": frozenset({"holding", "inspecting", "staging_outbound", "storing"}),
    "recalled": frozenset({"holding", "staging_outbound", "storing"}),
    "reserved": frozenset({"reserving"}),
    "retail_sold": frozenset({"retail_selling"}),
    "returned": frozenset({"receiving", "holding", "shipping"}),
    "sellable_accessible": frozenset({"stocking", "receiving"}),
    "sellable_not_accessible": frozenset({"receiving", "storing", "loading", "holding", "inspecting"}),
}
# The only disposition retail_selling takes (CBV 2.0 names no other for it).
STEP_ONLY_DISPOSITION = {"retail_selling": "retail_sold"}

STEP_LABELS = {
    "harvesting": ("Thu hoạch nguyên liệu", "Harvesting"),
    "commissioning": ("Sản xuất, đặt mã lô", "Produced and coded"),
    "inspecting": ("Kiểm tra chất lượng", "Quality inspection"),
    "packing": ("Đóng gói", "Packing"),
    "shipping": ("Xuất hàng", "Shipped"),
    "receiving": ("Nhận tại điểm bán", "Received at the sales point"),
    "stocking": ("Bày bán", "On sale"),
    "retail_selling": ("Bán lẻ", "Retail sale"),
    "storing": ("Lưu kho", "Stored"),
    "transporting": ("Vận chuyển", "In transport"),
    "holding": ("Tạm giữ", "Held"),
    "destroying": ("Tiêu huỷ", "Destroyed"),
    "sampling": ("Lấy mẫu", "Sampled"),
}


def harvesting_uri() -> str:
    return settings.TRACE_VOCABULARY + EXTENSION_STEPS["harvesting"]


def biz_step_value(name: str) -> str | None:
    """'packing' -> 'packing'; 'harvesting' -> the extension URI; a CBV or
    extension URI is accepted as is; anything else -> None."""
    name = (name or "").strip()
    low = name.lower()
    if low in CBV_BIZ_STEPS:
        return low
    if low in EXTENSION_STEPS:
        return settings.TRACE_VOCABULARY + EXTENSION_STEPS[low]
    for prefix in ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"):
        if name.startswith(prefix) and name[len(prefix):] in CBV_BIZ_STEPS:
            return name[len(prefix):]
    if name.startswith(settings.TRACE_VOCABULARY) and name[len(settings.TRACE_VOCABULARY):] in EXTENSION_STEPS.values():
        return name
    return None


def short_name(biz_step: str) -> str:
    """The stored value back to a short name: the extension URI -> 'harvesting'."""
    for short, path in EXTENSION_STEPS.items():
        if biz_step.endswith("/" + path) or biz_step == settings.TRACE_VOCABULARY + path:
            return short
    return biz_step


def step_label(biz_step: str, language: str | None = None) -> str:
    name = short_name(biz_step)
    vi, en = STEP_LABELS.get(name, (name.replace("_", " "), name.replace("_", " ")))
    return pick(vi, en, language)


def disposition_value(name: str) -> str | None:
    name = (name or "").strip()
    if not name:
        return ""
    if name.lower() in CBV_DISPOSITIONS:
        return name.lower()
    if name.startswith(settings.TRACE_VOCABULARY):
        return name
    return None


def pair_allowed(biz_step: str, disposition: str) -> bool:
    """Whether CBV 2.0 lets `disposition` go with `biz_step` (both as stored). No
    disposition is always fine; harvesting (the raw material's commissioning) takes `active`."""
    if not disposition:
        return True
    step = "commissioning" if short_name(biz_step) == "harvesting" else biz_step
    if step in STEP_ONLY_DISPOSITION and disposition != STEP_ONLY_DISPOSITION[step]:
        return False
    steps = DISPOSITION_STEPS.get(disposition)
    return steps is None or step in steps


def allowed_dispositions(biz_step: str) -> list[str]:
    """The CBV 2.0 dispositions defined for `biz_step` (for error messages)."""
    step = "commissioning" if short_name(biz_step) == "harvesting" else biz_step
    if step in STEP_ONLY_DISPOSITION:
        return [STEP_ONLY_DISPOSITION[step]]
    return sorted(d for d, steps in DISPOSITION_STEPS.items() if step in steps)


def export_pair(biz_step: str, disposition: str) -> tuple[str, str]:
    """(bizStep, disposition) as an EPCIS export writes a stored event, always a CBV 2.0 pair.
    Lots recorded before the pairs were checked said "retail_selling, sellable_accessible" for
    "on the shelf": that is `stocking`. A commissioning without a disposition is `active`;
    any other pair CBV does not allow loses its disposition (CBV: omitting it is fine)."""
    if biz_step == "retail_selling" and disposition == "sellable_accessible":
        return "stocking", disposition
    if biz_step == "commissioning" and not disposition:
        return biz_step, "active"
    if not pair_allowed(biz_step, disposition):
        return biz_step, ""
    return biz_step, disposition
