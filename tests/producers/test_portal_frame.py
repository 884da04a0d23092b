"""The portal's frame: who gets in, and for which producer."""
import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_portal_login(client):
    response = client.get("/producer/")
    assert response.status_code == 302 and response["Location"].startswith("/producer/login/")


def test_a_member_sees_their_producer_and_not_another(owner_a, producers, portal_client):
    page = portal_client(owner_a).get("/producer/").content.decode()
    assert producers[0].name in page and producers[1].name not in page


def test_an_account_of_no_producer_is_told_why(django_user_model, portal_client):
    clerk = django_user_model.objects.create_user(username="clerk@test.example", email="clerk@test.example")
    response = portal_client(clerk).get("/en/producer/")
    assert response.status_code == 403
    assert "does not belong to this producer" in response.content.decode()


def test_switching_to_a_producer_one_does_not_belong_to_is_ignored(owner_a, owner_b, producers, portal_client):
    client = portal_client(owner_a)
    client.post("/producer/switch/", {"producer": producers[1].pk})
    page = client.get("/producer/").content.decode()
    assert producers[0].name in page and producers[1].name not in page
