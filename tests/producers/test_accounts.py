"""Producer accounts (issue 17, item 1): invitations by a province officer or an owner, accepting
them, the members page, and the portal's sign-in throttling."""
import datetime
import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from producers import invitations
from producers.models import Invitation
from shop.errors import ShopError
from traceability.models import ProducerMembership

pytestmark = pytest.mark.django_db

OWNER, MEMBER = ProducerMembership.Role.OWNER, ProducerMembership.Role.MEMBER
LINK = re.compile(r"https?://[^\s'\"<>]+/producer/invitation/([A-Za-z0-9_-]+)/")


def _token_of(text: str) -> str:
    match = LINK.search(text)
    assert match, text
    return match.group(1)


# -- the province invites in the admin -------------------------------------------------------

def test_an_officer_invites_in_the_admin_and_sees_the_link_once(officer, producers,
                                                                django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/producers/invitation/add/",
                               {"producer": producers[0].pk, "email": "moi@test.example", "role": OWNER}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    token = _token_of(page)
    invitation = Invitation.objects.get()
    # Only the digest is kept; the link is in the message and in the e-mail, nowhere else.
    assert invitation.token_digest == hashlib.sha256(token.encode()).hexdigest() and token not in invitation.token_digest
    assert (invitation.producer, invitation.email, invitation.role, invitation.created_by) == (
        producers[0], "moi@test.example", OWNER, officer)
    assert timezone.now() + datetime.timedelta(days=13) < invitation.expires_at < timezone.now() + datetime.timedelta(days=15)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["moi@test.example"]
    assert _token_of(mail.outbox[0].body) == token and "/en/producer/invitation/" in mail.outbox[0].body
    # Shown once: the invitation's own page does not show it again, and cannot be edited.
    again = client.get(f"/admin/producers/invitation/{invitation.pk}/change/").content.decode()
    assert token not in again and producers[0].name in again
    assert client.post(f"/admin/producers/invitation/{invitation.pk}/change/", {"email": "x@test.example"}
                       ).status_code == 403
    assert Invitation.objects.get().email == "moi@test.example"


def test_the_admin_refuses_a_bad_address_and_keeps_what_was_typed(officer, producers):
    client = Client()
    client.force_login(officer)
    response = client.post("/admin/producers/invitation/add/",
                           {"producer": producers[0].pk, "email": "not-an-address", "role": MEMBER})
    assert response.status_code == 200 and not Invitation.objects.exists()
    assert "not-an-address" in response.content.decode()


def test_producer_people_and_clerks_cannot_invite_in_the_admin(owner_a, clerk, producers):
    for user in (owner_a, clerk):
        client = Client()
        client.force_login(user)
        response = client.post("/admin/producers/invitation/add/",
                               {"producer": producers[0].pk, "email": "x@test.example", "role": OWNER})
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or "/admin/login/" in response["Location"]
    assert not Invitation.objects.exists()


def test_the_province_group_may_view_and_add_invitations_only(officer):
    assert officer.has_perm("producers.view_invitation") and officer.has_perm("producers.add_invitation")
    assert not officer.has_perm("producers.change_invitation")
    assert not officer.has_perm("producers.delete_invitation")


# -- the service's rules ------------------------------------------------------------------

def test_only_the_province_or_the_producers_owner_may_invite(officer, owner_a, member_a, owner_b, clerk, producers):
    a = producers[0]
    assert invitations.invite(officer, a, "p@test.example", OWNER).token
    assert invitations.invite(owner_a, a, "q@test.example", MEMBER).token
    for user in (member_a, owner_b, clerk):
        with pytest.raises(ShopError) as refused:
            invitations.invite(user, a, "r@test.example", MEMBER)
        assert refused.value.code == "owner_only"
    with pytest.raises(ShopError) as bad:
        invitations.invite(officer, a, "p@test.example", "BOSS")
    assert bad.value.code == "invitation_input" and bad.value.field == "role"


def test_inviting_the_same_address_again_replaces_the_open_invitation(officer, producers):
    first = invitations.invite(officer, producers[0], "lan@test.example", MEMBER)
    second = invitations.invite(officer, producers[0], "LAN@test.example", OWNER)
    assert list(Invitation.objects.values_list("pk", flat=True)) == [second.invitation.pk]
    with pytest.raises(ShopError):
        invitations.find(first.token)
    assert invitations.find(second.token).role == OWNER
    # Another producer's invitation of the same address is its own.
    invitations.invite(officer, producers[1], "lan@test.example", MEMBER)
    assert Invitation.objects.count() == 2


# -- accepting ------------------------------------------------------------------------------

def test_a_new_person_makes_an_account_and_lands_in_their_producer(officer, producers):
    issued = invitations.invite(officer, producers[0], "Hoa@Test.example", MEMBER)
    client = Client()
    page = client.get(f"/producer/invitation/{issued.token}/")
    assert page.status_code == 200 and producers[0].name in page.content.decode()
    response = client.post(f"/producer/invitation/{issued.token}/", {"name": "Lò Thị Hoa", "password": "hoa-ban-trang-2026"})
    assert response.status_code == 302 and response["Location"] == "/producer/"
    user = get_user_model().objects.get(email="Hoa@Test.example")
    assert user.first_name == "Lò Thị Hoa" and not user.is_staff and user.check_password("hoa-ban-trang-2026")
    assert ProducerMembership.objects.get(user=user).producer == producers[0]
    assert ProducerMembership.objects.get(user=user).role == MEMBER
    home = client.get("/producer/").content.decode()
    assert producers[0].name in home and "Chào mừng" in home
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at
    # … and signs in later with the e-mail, in any letter case.
    client.logout()
    later = Client().post("/producer/login/", {"username": "hoa@test.example", "password": "hoa-ban-trang-2026"},
                          REMOTE_ADDR="198.51.100.30")
    assert later.status_code == 302


def test_a_weak_password_is_refused_in_the_visitors_language_and_the_name_is_kept(officer, producers):
    issued = invitations.invite(officer, producers[0], "yen@test.example", MEMBER)
    client = Client()
    response = client.post(f"/en/producer/invitation/{issued.token}/", {"name": "Quàng Văn Yên", "password": "123"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "too short" in page and 'value="Quàng Văn Yên"' in page
    vi = client.post(f"/producer/invitation/{issued.token}/", {"name": "Quàng Văn Yên", "password": "password"})
    assert vi.status_code == 400 and "quá phổ biến" in vi.content.decode()
    assert not get_user_model().objects.filter(email="yen@test.example").exists()
    assert invitations.find(issued.token)  # still open
    missing_name = client.post(f"/producer/invitation/{issued.token}/", {"name": " ", "password": "yen-ban-2026-x"})
    assert missing_name.status_code == 400 and not ProducerMembership.objects.exists()


def test_a_signed_in_person_accepts_with_their_account(officer, owner_b, producers, portal_client):
    issued = invitations.invite(officer, producers[0], "someone-else@test.example", MEMBER)
    client = portal_client(owner_b)
    page = client.get(f"/producer/invitation/{issued.token}/").content.decode()
    assert owner_b.email in page and 'id="accept-form"' in page
    assert client.post(f"/producer/invitation/{issued.token}/").status_code == 302
    assert set(ProducerMembership.objects.filter(user=owner_b).values_list("producer", "role")) == {
        (producers[1].pk, OWNER), (producers[0].pk, MEMBER)}
    assert producers[0].name in client.get("/producer/").content.decode()  # now acting for A, B one switch away


def test_an_owners_invitation_makes_a_member_an_owner(officer, member_a, producers, portal_client):
    issued = invitations.invite(officer, producers[0], member_a.email, OWNER)
    portal_client(member_a).post(f"/producer/invitation/{issued.token}/")
    assert ProducerMembership.objects.get(user=member_a).role == OWNER


def test_an_existing_account_is_asked_to_sign_in_first(officer, owner_b, producers):
    issued = invitations.invite(officer, producers[0], owner_b.email, MEMBER)
    client = Client()
    page = client.get(f"/producer/invitation/{issued.token}/").content.decode()
    assert 'id="sign-in-link"' in page and f"next=/producer/invitation/{issued.token}/" in page
    assert client.post(f"/producer/invitation/{issued.token}/", {"name": "X", "password": "a-long-pass-2026"}
                       ).status_code == 400
    assert not ProducerMembership.objects.filter(user=owner_b, producer=producers[0]).exists()
    with pytest.raises(ShopError) as refused:
        invitations.accept_as_new(issued.token, "X", "a-long-pass-2026")
    assert refused.value.code == "account_exists"


def test_unknown_used_and_expired_links_get_the_same_clear_page(officer, producers):
    used = invitations.invite(officer, producers[0], "used@test.example", MEMBER)
    invitations.accept_as_new(used.token, "Người dùng", "a-long-pass-2026")
    expired = invitations.invite(officer, producers[0], "old@test.example", MEMBER)
    Invitation.objects.filter(pk=expired.invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    pages = set()
    for token in (used.token, expired.token, "x" * 43, "short", "a.b.c" * 10):
        response = Client().get(f"/en/producer/invitation/{token}/")
        assert response.status_code == 404
        body = response.content.decode()
        assert "cannot be used" in body and "Ask the province officer" in body
        pages.add(re.search(r'id="invitation-invalid">([^<]*)<', body).group(1))
        assert Client().post(f"/producer/invitation/{token}/", {"name": "A", "password": "a-long-pass-2026"}
                             ).status_code == 404
    assert len(pages) == 1
    assert get_user_model().objects.filter(email="old@test.example").count() == 0


def test_a_link_cannot_be_used_twice(officer, owner_b, producers, portal_client):
    issued = invitations.invite(officer, producers[0], "twice@test.example", MEMBER)
    invitations.accept_as_new(issued.token, "Lần đầu", "a-long-pass-2026")
    assert portal_client(owner_b).post(f"/producer/invitation/{issued.token}/").status_code == 404
    assert not ProducerMembership.objects.filter(user=owner_b, producer=producers[0]).exists()


# -- the owner's members page -----------------------------------------------------------------

def test_an_owner_invites_a_member_and_is_shown_the_link_once(owner_a, member_a, producers, portal_client,
                                                              django_capture_on_commit_callbacks):
    client = portal_client(owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/producer/members/", {"email": "moi-a@test.example", "role": MEMBER})
    assert response.status_code == 302 and response["Location"] == "/producer/members/"
    first = client.get("/producer/members/").content.decode()
    token = _token_of(first)
    assert _token_of(mail.outbox[0].body) == token and mail.outbox[0].to == ["moi-a@test.example"]
    assert "moi-a@test.example" in first  # pending
    assert token not in client.get("/producer/members/").content.decode()  # shown once
    invitation = Invitation.objects.get()
    assert (invitation.producer, invitation.role, invitation.created_by) == (producers[0], MEMBER, owner_a)


def test_the_invite_form_keeps_what_was_typed_on_error(owner_a, portal_client):
    response = portal_client(owner_a).post("/en/producer/members/", {"email": "lan@", "role": MEMBER})
    page = response.content.decode()
    assert response.status_code == 400 and 'value="lan@"' in page and "Enter a valid e-mail address" in page
    assert not Invitation.objects.exists()


def test_a_member_sees_the_people_but_cannot_invite_or_change_them(owner_a, member_a, producers, portal_client):
    client = portal_client(member_a)
    page = client.get("/producer/members/").content.decode()
    assert owner_a.email in page and member_a.email in page
    assert 'id="invite-form"' not in page and 'id="members-read-only"' in page
    owner_row = ProducerMembership.objects.get(user=owner_a)
    mine = ProducerMembership.objects.get(user=member_a)
    assert client.post("/producer/members/", {"email": "x@test.example", "role": OWNER}).status_code == 403
    assert client.post(f"/producer/members/{owner_row.pk}/remove/").status_code == 403
    assert client.post(f"/producer/members/{mine.pk}/role/", {"role": OWNER}).status_code == 403
    assert not Invitation.objects.exists()
    assert ProducerMembership.objects.get(pk=mine.pk).role == MEMBER
    assert ProducerMembership.objects.filter(pk=owner_row.pk).exists()


def test_an_owner_changes_a_role_and_removes_a_member(owner_a, member_a, portal_client):
    client = portal_client(owner_a)
    mine = ProducerMembership.objects.get(user=member_a)
    assert client.post(f"/producer/members/{mine.pk}/role/", {"role": OWNER}).status_code == 302
    assert ProducerMembership.objects.get(pk=mine.pk).role == OWNER
    assert client.post(f"/producer/members/{mine.pk}/role/", {"role": MEMBER}).status_code == 302
    assert client.post(f"/producer/members/{mine.pk}/role/", {"role": "KING"}).status_code == 302
    assert ProducerMembership.objects.get(pk=mine.pk).role == MEMBER
    assert client.post(f"/producer/members/{mine.pk}/remove/").status_code == 302
    assert not ProducerMembership.objects.filter(pk=mine.pk).exists()
    assert portal_client(member_a).get("/producer/").status_code == 403  # no longer one of A's people


def test_the_last_owner_cannot_be_removed_or_demoted(owner_a, member_a, portal_client):
    client = portal_client(owner_a)
    me = ProducerMembership.objects.get(user=owner_a)
    response = client.post(f"/en/producer/members/{me.pk}/remove/", follow=True)
    assert "only owner" in response.content.decode()
    client.post(f"/producer/members/{me.pk}/role/", {"role": MEMBER})
    assert ProducerMembership.objects.get(pk=me.pk).role == OWNER
    # With a second owner, the first may step down.
    other = ProducerMembership.objects.get(user=member_a)
    client.post(f"/producer/members/{other.pk}/role/", {"role": OWNER})
    client.post(f"/producer/members/{me.pk}/role/", {"role": MEMBER})
    assert ProducerMembership.objects.get(pk=me.pk).role == MEMBER


def test_an_owner_cannot_touch_another_producers_people(owner_a, owner_b, portal_client):
    theirs = ProducerMembership.objects.get(user=owner_b)
    client = portal_client(owner_a)
    assert client.post(f"/producer/members/{theirs.pk}/remove/").status_code == 404
    assert client.post(f"/producer/members/{theirs.pk}/role/", {"role": "MEMBER"}).status_code == 404
    assert ProducerMembership.objects.filter(pk=theirs.pk, role=OWNER).exists()
    assert owner_b.email not in client.get("/producer/members/").content.decode()


def test_the_members_page_costs_the_same_queries_for_many_people(owner_a, producers, portal_client,
                                                                 django_assert_max_num_queries):
    client = portal_client(owner_a)
    for n in range(30):
        user = get_user_model().objects.create_user(username=f"p{n}@test.example", email=f"p{n}@test.example")
        ProducerMembership.objects.create(user=user, producer=producers[0], role=MEMBER)
        invitations.invite(owner_a, producers[0], f"moi{n}@test.example", MEMBER)
    with django_assert_max_num_queries(12):
        page = client.get("/producer/members/")
    assert page.status_code == 200 and page.content.decode().count('class="fcard"') == 31


def test_the_members_page_speaks_english(owner_a, portal_client):
    page = portal_client(owner_a).get("/en/producer/members/").content.decode()
    assert "Invite someone" in page and "Owner" in page


# -- signing in is throttled like the staff console's ----------------------------------------

def _login(client, password, *, username="chu-a@test.example", ip="198.51.100.1", path="/producer/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_guessing_a_producer_password_then_the_right_one_is_refused(client, owner_a):
    for _ in range(25):
        assert _login(client, "wrong-guess").status_code in (200, 429)
    response = _login(client, "ocop-test-2026")
    assert response.status_code == 429 and "15 phút" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_producer_account_locks_from_anywhere_and_in_any_letter_case(client, owner_a, settings):
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _login(client, "wrong-guess", ip=f"203.0.113.{n + 1}")
    assert _login(client, "ocop-test-2026", ip="203.0.113.200").status_code == 429
    assert _login(client, "ocop-test-2026", username=" CHU-A@test.example ", ip="203.0.113.201").status_code == 429
    page = _login(client, "ocop-test-2026", ip="203.0.113.202", path="/en/producer/login/").content.decode()
    assert "Too many failed sign-ins" in page


def test_a_few_typos_do_not_lock_a_producer_out(client, owner_a, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        assert _login(client, "typo").status_code == 200
    response = _login(client, "ocop-test-2026")
    assert response.status_code == 302 and response["Location"] == "/producer/"
