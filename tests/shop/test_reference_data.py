"""Rows the migrations load (the country's units, the delivery zones) survive a flush, as every
transactional test's teardown does one."""
import pytest
from django.core.management import call_command

from orders.models import ShippingZone
from shop.models import Commune, Province


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_reference_rows_in_place():
    before = (Province.objects.count(), Commune.objects.filter(era=2025).count(), ShippingZone.objects.count())
    assert before[0] == 34 and before[1] > 3000 and before[2] > 0
    call_command("flush", interactive=False, verbosity=0)
    assert (Province.objects.count(), Commune.objects.filter(era=2025).count(), ShippingZone.objects.count()) == before
