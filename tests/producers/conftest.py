"""Two producers, each with an owner and a member, for the portal's tests; `portal_client(user)`
signs a test client in."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from catalog.models import Producer
from traceability.models import ProducerMembership


def _person(email: str, producer: Producer, role: str):
    user = get_user_model().objects.create_user(username=email, email=email, password="ocop-test-2026")
    ProducerMembership.objects.create(user=user, producer=producer, role=role)
    return user


@pytest.fixture
def producers(make_product):
    """(A, B): two producers with a product each (make_product's own producer for A)."""
    a_product = make_product("Mật ong hoa ban A")
    b_product = make_product("Chè Shan tuyết B")
    a, b = a_product.producer, b_product.producer
    if a.pk == b.pk:  # make_product may share a producer: give B its own
        b = Producer.objects.create(name="HTX Chè B", slug="htx-che-b", district=a.district)
        b_product.producer = b
        b_product.save(update_fields=["producer"])
    return a, b


@pytest.fixture
def owner_a(producers):
    return _person("chu-a@test.example", producers[0], ProducerMembership.Role.OWNER)


@pytest.fixture
def member_a(producers):
    return _person("thanh-vien-a@test.example", producers[0], ProducerMembership.Role.MEMBER)


@pytest.fixture
def owner_b(producers):
    return _person("chu-b@test.example", producers[1], ProducerMembership.Role.OWNER)


@pytest.fixture
def portal_client():
    def signed_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client
    return signed_in


@pytest.fixture
def clerk(sales_point):
    """A sales-point clerk (the staff console's user): not one of any producer's people."""
    from shop.models import StaffAssignment

    user = get_user_model().objects.create_user(username="nhan-vien@test.example", email="nhan-vien@test.example",
                                                password="ocop-test-2026", is_staff=True)
    StaffAssignment.objects.create(user=user, sales_point=sales_point, role=StaffAssignment.Role.CLERK)
    return user


@pytest.fixture
def officer(db):
    """A province officer (works in /admin/ with the "Cán bộ tỉnh" group): not one of any producer's people."""
    from shop.models import StaffAssignment
    from shop.permissions import sync_officer

    user = get_user_model().objects.create_user(username="can-bo@test.example", email="can-bo@test.example",
                                                password="ocop-test-2026", is_staff=True)
    StaffAssignment.objects.create(user=user, sales_point=None, role=StaffAssignment.Role.PROVINCE)
    sync_officer(user)
    return user
