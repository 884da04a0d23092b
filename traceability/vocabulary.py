"""The EPCIS words the shop uses, with their Vietnamese and English labels.

CBV 2.0 business steps are stored by their bare names ("packing"), as
EPCIS 2.0 JSON-LD writes them. Harvesting is not a CBV step, so it is an
extension URI in the shop's own vocabulary (settings.TRACE_VOCABULARY).
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

STEP_LABELS = {
    "harvesting": ("Thu hoạch nguyên liệu", "Harvesting"),
    "commissioning": ("Sản xuất, đặt mã lô", "Produced and coded"),
    "inspecting": ("Kiểm tra chất lượng", "Quality inspection"),
    "packing": ("Đóng gói", "Packing"),
    "shipping": ("Xuất hàng", "Shipped"),
    "receiving": ("Nhận tại điểm bán", "Received at the sales point"),
    "retail_selling": ("Bày bán", "On sale"),
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
