"""The demo shop's side of the portal: an owner login per demo producer, and for the two named
in the README a draft, a pending review, a submitted renewal file and lots in every state."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from catalog.demo.loader import DemoLoader
from catalog.models import Producer
from inventory.models import Transfer
from producers import demo as portal_demo
from producers.models import ProductChange, RenewalFile
from traceability.models import Batch, ProducerMembership


@pytest.fixture
def loaded(db, settings, tmp_path, demo_without_lots):
    settings.MEDIA_ROOT = tmp_path
    from catalog.demo.signals import demo_loaded

    with demo_without_lots():  # the catalogue and stock, without the trace demo's lots; with the portal's
        demo_loaded.connect(portal_demo.load, dispatch_uid="producers.demo_portal")
        DemoLoader(with_images=False).run()
        first = _counts()
        DemoLoader(with_images=False).run()  # a reload adds nothing
    return first


def _counts():
    return (get_user_model().objects.filter(username__startswith="chu-").count(),
            ProducerMembership.objects.count(), ProductChange.objects.count(), RenewalFile.objects.count(),
            Batch.objects.filter(lot_code__startswith=portal_demo.LOT_PREFIX).count(), Transfer.objects.count())


def test_every_demo_producer_has_one_owner_login(loaded):
    demo_producers = Producer.objects.filter(products__isnull=False).distinct()
    assert demo_producers.count() >= 2
    for producer in demo_producers:
        owners = ProducerMembership.objects.filter(producer=producer, role=ProducerMembership.Role.OWNER)
        assert [m.user.email for m in owners] == [portal_demo.login_email(producer)]
    assert _counts() == loaded  # the second load made no second login, change, file, lot or transfer


def test_the_readme_logins_sign_in_to_the_portal(loaded):
    for name in portal_demo.SHOWCASE:
        producer = Producer.objects.get(name=name)
        client = Client()
        assert client.login(username=portal_demo.login_email(producer), password="ocop-demo-2026")
        page = client.get("/producer/")
        assert page.status_code == 200 and producer.name in page.content.decode()


def test_showcase_producers_show_every_state(loaded):
    for name in portal_demo.SHOWCASE:
        producer = Producer.objects.get(name=name)
        statuses = set(ProductChange.objects.filter(producer=producer).values_list("status", flat=True))
        assert statuses == {"DRAFT", "PENDING"}, name
        renewal = RenewalFile.objects.get(producer=producer)
        assert renewal.status == "SUBMITTED" and renewal.documents.count() == 1
        lots = Batch.objects.filter(variant__product__producer=producer, lot_code__startswith=portal_demo.LOT_PREFIX)
        assert sorted(lots.values_list("status", flat=True)) == ["ACTIVE", "ACTIVE", "ACTIVE", "RECALLED"]
        sent = Transfer.objects.filter(from_producer=producer)
        assert sorted(sent.values_list("status", flat=True)) == ["RECEIVED", "SENT"]
        received = sent.get(status="RECEIVED")
        lot = lots.get(pk=int(received.reference.split(":")[1]))
        steps = [s.rsplit("/", 1)[-1].rsplit("-", 1)[-1] for s in lot.events.order_by("event_time").values_list(
            "biz_step", flat=True)]
        assert steps == ["harvesting", "commissioning", "inspecting", "packing", "shipping", "receiving"]


def test_inventory_audit_is_clean_after_the_demo(loaded, capsys):
    call_command("inventory_audit")  # raises CommandError on any drift
    assert "the ledger adds up" in capsys.readouterr().out
