"""The console's transfers page (send, receive with counted quantities, cancel, history) and the
low-stock lists of the stock page and the province dashboard."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import audit
from inventory import transfers as service
from inventory.models import Stock, StockMovement, Transfer
from shop.models import StaffAssignment


@pytest.fixture
def clerks(shop):
    """A clerk at each of three points (the demo's staff are managers and a province admin)."""
    User = get_user_model()
    found = {}
    for code in ("tinh", "muong-ang", "tuan-giao"):
        user = User.objects.create_user(username=f"nv-{code}@test.example", email=f"nv-{code}@test.example")
        StaffAssignment.objects.create(user=user, sales_point=shop[code], role="clerk")
        found[code] = user
    found["province"] = User.objects.get(username="tinh@ocop-dienbien.example")
    return found


@pytest.fixture
def honey(shop, stocked_variant):
    """A variant with 20 units at the provincial centre only."""
    return stocked_variant(shop["tinh"], 20, only_there=True)


def as_(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def units(variant, point):
    row = Stock.objects.filter(variant=variant, sales_point=point).first()
    return row.quantity_on_hand if row else 0


def test_the_centre_sends_and_muong_ang_receives_with_a_shortfall(client, shop, clerks, honey):
    as_(client, clerks["tinh"])
    form = html(client.get("/staff/points/tinh/transfers/"))
    assert 'id="send-form"' in form and 'id="menu-transfers"' in form and "Gửi hàng đến điểm khác" in form
    assert f'value="{shop["muong-ang"].pk}"' in form and f'value="{shop["tinh"].pk}"' not in form.split('id="send-to"')[1].split("</select>")[0]
    assert re.search(rf'<option value="{honey.pk}">[^<]*còn 20', form)

    sent = client.post("/staff/points/tinh/transfers/", {
        "to_point": shop["muong-ang"].pk, "variant_0": honey.pk, "quantity_0": "10", "note": "hàng cho phiên chợ"})
    transfer = Transfer.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/staff/points/tinh/transfers/#t-{transfer.number}"
    assert units(honey, shop["tinh"]) == 10 and transfer.status == "SENT"
    outgoing = html(client.get("/staff/points/tinh/transfers/"))
    assert f'id="cancel-{transfer.number}"' in outgoing and f'id="receive-{transfer.number}"' not in outgoing

    as_(client, clerks["muong-ang"])
    here = html(client.get("/staff/points/muong-ang/transfers/"))
    line = transfer.lines.get()
    assert f'id="receive-{transfer.number}"' in here and "hàng cho phiên chợ" in here
    assert re.search(rf'id="received-{line.pk}"[^>]*value="10"', here)  # the count starts at what was sent

    path = f"/staff/transfers/{transfer.pk}/receive/"
    no_note = client.post(path, {"point": "muong-ang", f"received_{line.pk}": "8", f"note_{line.pk}": ""})
    assert no_note.status_code == 400
    assert re.search(rf'id="note-{line.pk}-error">Nhận 8 nhưng đã gửi 10', html(no_note))
    assert re.search(rf'id="received-{line.pk}"[^>]*value="8"', html(no_note))  # what was typed is kept
    not_a_number = client.post(path, {"point": "muong-ang", f"received_{line.pk}": "tám"})
    assert not_a_number.status_code == 400 and f'id="received-{line.pk}-error"' in html(not_a_number)
    assert units(honey, shop["muong-ang"]) == 0

    done = client.post(path, {"point": "muong-ang", f"received_{line.pk}": "8", f"note_{line.pk}": "vỡ 2 hũ"})
    assert done.status_code == 302 and done["Location"] == f"/staff/points/muong-ang/transfers/#t-{transfer.number}"
    assert units(honey, shop["muong-ang"]) == 8 and units(honey, shop["tinh"]) == 10
    history = html(client.get("/staff/points/muong-ang/transfers/"))
    assert f'id="receive-{transfer.number}"' not in history
    assert re.search(rf'id="t-{transfer.number}" data-status="RECEIVED"', history)
    assert "(thiếu 2)" in history and "vỡ 2 hũ" in history

    twice = client.post(path, {"point": "muong-ang", f"received_{line.pk}": "8", f"note_{line.pk}": "vỡ 2 hũ"})
    assert twice.status_code == 400 and "đã được nhận" in html(twice)
    assert units(honey, shop["muong-ang"]) == 8
    assert StockMovement.objects.filter(reference=f"transfer:{transfer.number}").count() == 2
    assert audit.audit().clean


def test_a_tuan_giao_clerk_cannot_see_or_receive_a_transfer_to_muong_ang(client, shop, clerks, honey):
    transfer = service.send(user=clerks["tinh"], from_point_id=shop["tinh"].pk, to_point_id=shop["muong-ang"].pk,
                            lines=[(honey.pk, 5)])
    line = transfer.lines.get()
    as_(client, clerks["tuan-giao"])
    assert client.get("/staff/points/muong-ang/transfers/").status_code == 403
    assert transfer.number not in html(client.get("/staff/points/tuan-giao/transfers/"))
    for point in ("tuan-giao", "muong-ang", ""):
        refused = client.post(f"/staff/transfers/{transfer.pk}/receive/",
                              {"point": point, f"received_{line.pk}": "5"})
        assert refused.status_code == 403
        cancel = client.post(f"/staff/transfers/{transfer.pk}/cancel/", {"point": point})
        assert cancel.status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == "SENT" and units(honey, shop["muong-ang"]) == 0 and units(honey, shop["tuan-giao"]) == 0
    # The sending point sees it in transit but cannot receive it itself.
    as_(client, clerks["tinh"])
    own = client.post(f"/staff/transfers/{transfer.pk}/receive/", {"point": "tinh", f"received_{line.pk}": "5"})
    assert own.status_code == 403 and "không được phân công" in html(own)


def test_the_sender_cancels_and_the_units_come_back(client, shop, clerks, honey):
    transfer = service.send(user=clerks["tinh"], from_point_id=shop["tinh"].pk, to_point_id=shop["tuan-giao"].pk,
                            lines=[(honey.pk, 7)])
    as_(client, clerks["tuan-giao"])
    assert client.post(f"/staff/transfers/{transfer.pk}/cancel/", {"point": "tuan-giao"}).status_code == 403
    as_(client, clerks["tinh"])
    done = client.post(f"/staff/transfers/{transfer.pk}/cancel/", {"point": "tinh", "reason": "gửi nhầm điểm"})
    assert done.status_code == 302 and units(honey, shop["tinh"]) == 20
    page = html(client.get("/staff/points/tinh/transfers/"))
    assert re.search(rf'id="t-{transfer.number}" data-status="CANCELLED"', page) and "Đã huỷ" in page
    again = client.post(f"/staff/transfers/{transfer.pk}/cancel/", {"point": "tinh"})
    assert again.status_code == 400 and "đã bị huỷ" in html(again)
    assert audit.audit().clean


def test_the_send_form_says_what_is_wrong_beside_the_field_in_english_too(client, shop, clerks, honey):
    as_(client, clerks["tinh"])
    path = "/en/staff/points/tinh/transfers/"
    too_many = client.post(path, {"to_point": shop["muong-ang"].pk, "variant_0": honey.pk, "quantity_0": "21"})
    assert too_many.status_code == 400
    assert re.search(r'id="send-quantity-0-error">[^<]*has only 20 of', html(too_many))
    assert "Send stock to another point" in html(too_many) and '<html lang="en">' in html(too_many)
    nothing = client.post(path, {"to_point": shop["muong-ang"].pk})
    assert nothing.status_code == 400 and "Choose at least one product" in html(nothing)
    no_product = client.post(path, {"to_point": shop["muong-ang"].pk, "quantity_2": "3"})
    assert no_product.status_code == 400 and 'id="send-variant-2-error"' in html(no_product)
    nowhere = client.post(path, {"variant_0": honey.pk, "quantity_0": "3"})
    assert nowhere.status_code == 400 and 'id="send-to-error"' in html(nowhere)
    second_line = client.post(path, {"to_point": shop["muong-ang"].pk, "variant_1": honey.pk, "quantity_1": "0"})
    assert second_line.status_code == 400 and 'id="send-quantity-1-error"' in html(second_line)
    assert not Transfer.objects.exists() and units(honey, shop["tinh"]) == 20
    # Another point's page is not the clerk's to send from.
    assert client.post("/staff/points/muong-ang/transfers/", {"to_point": shop["tinh"].pk}).status_code == 403


def test_transfers_page_query_count_does_not_grow_with_the_transfers(client, shop, clerks, honey,
                                                                    django_assert_max_num_queries):
    def send(to):
        return service.send(user=clerks["tinh"], from_point_id=shop["tinh"].pk, to_point_id=shop[to].pk,
                            lines=[(honey.pk, 1)])

    def received(to):
        t = send(to)
        return service.receive(user=clerks["province"], transfer_id=t.pk)

    send("muong-ang")
    received("tuan-giao")
    as_(client, clerks["province"])
    path = "/staff/points/tinh/transfers/"
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    for to in ("muong-ang", "tuan-giao", "dien-bien"):
        send(to)
        received(to)
    with CaptureQueriesContext(connection) as more:
        page = html(client.get(path))
    assert page.count('id="cancel-CK-') == 4 and page.count('data-status="RECEIVED"') == 4
    assert len(more) == len(few)
    with django_assert_max_num_queries(16):
        client.get(path)


def test_low_stock_on_the_point_stock_page_and_the_province_dashboard(client, shop, clerks, honey):
    as_(client, clerks["tinh"])
    stock_page = html(client.get("/staff/points/tinh/stock/"))
    assert 'id="low-stock"' in stock_page and "Không có mặt hàng nào dưới ngưỡng." in stock_page
    bad = client.post("/staff/points/tinh/stock/threshold/", {"variant": honey.pk, "threshold": "-3"})
    assert bad.status_code == 400 and 'id="threshold-value-error"' in html(bad)
    saved = client.post("/staff/points/tinh/stock/threshold/", {"variant": honey.pk, "threshold": "25"})
    assert saved.status_code == 302 and saved["Location"] == "/staff/points/tinh/stock/#low-stock"
    assert Stock.objects.get(variant=honey, sales_point=shop["tinh"]).low_stock_threshold == 25
    stock_page = html(client.get("/staff/points/tinh/stock/"))
    assert re.search(rf'id="low-{honey.pk}" class="low">.*?<b>20</b></td><td class="num">25</td>', stock_page, re.S)
    assert client.post("/staff/points/muong-ang/stock/threshold/", {"variant": honey.pk, "threshold": "1"}).status_code == 403
    # Muong Ang has its own list: the centre's row is not on it.
    as_(client, clerks["muong-ang"])
    assert f'id="low-{honey.pk}"' not in html(client.get("/staff/points/muong-ang/stock/"))

    as_(client, clerks["province"])
    dashboard = html(client.get("/staff/dashboard/"))
    assert re.search(rf'id="low-tinh-{honey.pk}">.*?<b>20</b></td><td class="num">25</td>', dashboard, re.S)
    assert 'href="/staff/points/tinh/stock/#low-stock"' in dashboard
    english = html(client.get("/en/staff/dashboard/"))
    assert "Low stock" in english and "Threshold" in english
    # Cleared: off the lists.
    as_(client, clerks["tinh"])
    client.post("/staff/points/tinh/stock/threshold/", {"variant": honey.pk, "threshold": ""})
    assert Stock.objects.get(variant=honey, sales_point=shop["tinh"]).low_stock_threshold is None
    as_(client, clerks["province"])
    assert f'id="low-tinh-{honey.pk}"' not in html(client.get("/staff/dashboard/"))
    assert audit.audit().clean  # thresholds never touch the ledger
