"""A recalled lot stops the sale of its variant until the province lifts the hold."""
import pytest

from inventory import availability, holds, ledger
from inventory.models import SaleHold
from orders import checkout
from shop.errors import ShopError
from shop.models import StaffAssignment
from traceability import services


@pytest.fixture
def province_admin(django_user_model):
    user = django_user_model.objects.create_user("tinh@example.org", "tinh@example.org", "pw")
    StaffAssignment.objects.create(user=user, role=StaffAssignment.Role.PROVINCE)
    return user


def test_recall_holds_the_variant_and_checkout_refuses_it(lot, sales_point):
    variant = lot.variant
    ledger.stock_up(variant, sales_point, 10)
    cart = checkout.create_checkout(lines=[(variant.pk, 1)], email="a@example.org")

    services.recall_batch(batch=lot, reason="Nhiễm nấm mốc khi bảo quản")

    hold = SaleHold.objects.get(variant=variant, released_at__isnull=True)
    assert hold.source == f"recall:{lot.pk}" and lot.lot_code in hold.reason
    with pytest.raises(ShopError) as refused:
        checkout.add_lines(token=cart.token, lines=[(variant.pk, 1)])
    assert refused.value.code == "variant_on_hold"
    assert "tạm dừng bán" in refused.value.message_vi and "off sale" in refused.value.message_en
    with pytest.raises(ShopError):
        checkout.create_checkout(lines=[(variant.pk, 1)])


def test_placing_the_same_hold_twice_keeps_one(lot):
    first = holds.place_hold(variant_id=lot.variant_id, source="recall:x", reason="a")
    second = holds.place_hold(variant_id=lot.variant_id, source="recall:x", reason="a")
    assert first.pk == second.pk and SaleHold.objects.count() == 1


def test_only_a_province_admin_with_a_reason_lifts_a_hold(lot, sales_point, province_admin, django_user_model):
    ledger.stock_up(lot.variant, sales_point, 10)
    services.recall_batch(batch=lot, reason="Nhãn in sai hạn dùng")
    hold = SaleHold.objects.get()
    clerk = django_user_model.objects.create_user("clerk@example.org", "clerk@example.org", "pw")
    StaffAssignment.objects.create(user=clerk, sales_point=sales_point, role=StaffAssignment.Role.CLERK)

    with pytest.raises(ShopError) as denied:
        holds.release_hold(hold_id=hold.pk, user=clerk, note="Đã rút hết hàng")
    assert denied.value.code == "permission_denied"
    with pytest.raises(ShopError) as short:
        holds.release_hold(hold_id=hold.pk, user=province_admin, note="ok")
    assert short.value.field == "note"

    holds.release_hold(hold_id=hold.pk, user=province_admin, note="Đã rút hết hàng của lô khỏi quầy")
    cart = checkout.create_checkout(lines=[(lot.variant_id, 1)])
    assert cart.lines.count() == 1
    with pytest.raises(ShopError):  # released once; a second release finds nothing in force
        holds.release_hold(hold_id=hold.pk, user=province_admin, note="Đã rút hết hàng của lô khỏi quầy")


def test_open_holds_is_one_query(lot, lot_factory, django_assert_num_queries):
    other = lot_factory()
    holds.place_hold(variant_id=lot.variant_id, source="recall:1", reason="a")
    holds.place_hold(variant_id=other.variant_id, source="recall:2", reason="b")
    with django_assert_num_queries(1):
        held = availability.held_variants([lot.variant_id, other.variant_id])
    assert set(held) == {lot.variant_id, other.variant_id}


def test_the_product_page_says_why_a_held_variant_is_off_sale(lot, sales_point, client):
    ledger.stock_up(lot.variant, sales_point, 10)
    services.recall_batch(batch=lot, reason="Nhiễm nấm mốc khi bảo quản")
    slug = lot.variant.product.slug

    html = client.get(f"/san-pham/{slug}/").content.decode()
    assert f"Tạm dừng bán: Lô {lot.lot_code} bị thu hồi: Nhiễm nấm mốc" in html
    # The held pack stays choosable (to read why), but it cannot be added to the cart.
    assert f'value="{lot.variant_id}" checked data-out="Tạm dừng bán"' in html
    assert 'id="add-to-cart" disabled' in html
    english = client.get(f"/en/products/{slug}/").content.decode()
    assert f"Off sale for now: Lot {lot.lot_code} recalled" in english
