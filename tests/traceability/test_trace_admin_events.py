"""A lot's events typed in the admin go through services.add_event (issue 15, item 14)."""
import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from traceability.models import TraceEvent


def _change_data(lot, event):
    data = {
        "variant": lot.variant_id, "lot_code": lot.lot_code, "production_date": lot.production_date.strftime("%d/%m/%Y"),
        "expiry_date": lot.expiry_date.strftime("%d/%m/%Y") if lot.expiry_date else "", "quantity": lot.quantity,
        "origin_commune": "", "raw_materials": lot.raw_materials, "raw_materials_en": "", "recall_reason": "",
        "quality_documents": "[]",
    }
    existing = list(lot.events.order_by("id"))
    data.update({"events-TOTAL_FORMS": len(existing) + 1, "events-INITIAL_FORMS": len(existing),
                 "events-MIN_NUM_FORMS": 0, "events-MAX_NUM_FORMS": 1000})
    for i, e in enumerate(existing):
        local = timezone.localtime(e.event_time)
        data.update({f"events-{i}-id": e.pk, f"events-{i}-batch": lot.pk, f"events-{i}-biz_step": e.biz_step,
                     f"events-{i}-event_time_0": local.strftime("%d/%m/%Y"), f"events-{i}-event_time_1": local.strftime("%H:%M:%S"),
                     f"events-{i}-event_timezone_offset": e.event_timezone_offset, f"events-{i}-sales_point": "",
                     f"events-{i}-place": e.place, f"events-{i}-description": e.description,
                     f"events-{i}-disposition": e.disposition})
    n = len(existing)
    data.update({f"events-{n}-{k}": v for k, v in event.items()})
    data[f"events-{n}-batch"] = lot.pk
    return data


def _event(when):
    local = timezone.localtime(when)
    return {"biz_step": "shipping", "event_time_0": local.strftime("%d/%m/%Y"), "event_time_1": local.strftime("%H:%M:%S"),
            "event_timezone_offset": "+07:00", "sales_point": "", "place": "Kho HTX", "description": "Xuất kho",
            "disposition": "in_transit"}


def test_admin_event_goes_through_add_event(lot, client):
    admin = get_user_model().objects.create_superuser("root@example.vn", "root@example.vn", "pw")
    client.force_login(admin)
    url = f"/admin/traceability/batch/{lot.pk}/change/"
    before = lot.events.count()
    future = timezone.now() + datetime.timedelta(days=2)
    response = client.post(url, _change_data(lot, _event(future)), follow=True)
    assert response.status_code == 200
    assert "không thể ở tương lai" in response.content.decode()  # add_event's rule, shown as a message
    assert lot.events.count() == before
    response = client.post(url, _change_data(lot, _event(timezone.now() - datetime.timedelta(hours=1))))
    assert response.status_code == 302
    added = TraceEvent.objects.filter(batch=lot).order_by("-id").first()
    assert lot.events.count() == before + 1
    assert added.biz_step.endswith("shipping") and added.action == "OBSERVE"  # the service set the EPCIS action
    assert added.created_by == admin
