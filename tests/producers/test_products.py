"""My products (issue 17, item 2): producers propose descriptions, photos and pack sizes; the
province approves or sends back in the admin; buyers see the published content until approval."""
import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import ProductImage, ProductVariant
from inventory import ledger
from producers import access
from producers import products as service
from producers.errors import ProducerErrorCode
from producers.models import ProductChange
from shop.errors import ShopError
from shop.models import StaffAssignment
from shop.permissions import sync_province_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def officer(db):
    user = get_user_model().objects.create_user(username="tinh@test.example", email="tinh@test.example",
                                                password="ocop-test-2026", is_staff=True)
    StaffAssignment.objects.create(user=user, role=StaffAssignment.Role.PROVINCE)
    sync_province_group()
    return user


def png(width=200, height=150, color=(200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name="anh.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def page_data(product, **overrides):
    """What the edit page posts when nothing is touched, with `overrides`."""
    data = {name: getattr(product, name) for name in service.TEXT_FIELDS}
    for v in product.variants.all():
        data[f"v{v.pk}-pack_size"] = v.pack_size
        data[f"v{v.pk}-weight_grams"] = v.weight_grams
    data.update(overrides)
    return data


def url(product=None):
    return f"/producer/products/{product.pk}/" if product else "/producer/products/"


# -- services ----------------------------------------------------------------------------------

def test_draft_submit_approve_publishes_and_mails_the_producer(producers, owner_a, officer, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    product = producers[0].products.get()
    variant = product.variants.get()
    acting = access.acting_for(owner_a)
    service.save_draft(acting, product, {"description": "Mật ong hoa ban nguyên chất.",
                                         "description_en": "Pure bauhinia honey.",
                                         "variants": {str(variant.pk): {"pack_size": "Hũ 500 g", "weight_grams": 650}}},
                       photo=upload(png()), photo_alt="Hũ mật ong")
    change = service.submit(acting, product)
    assert change.status == ProductChange.Status.PENDING
    product.refresh_from_db()
    assert product.description == ""  # buyers still see the published content

    with django_capture_on_commit_callbacks(execute=True):
        service.approve(change, officer)

    product.refresh_from_db()
    variant.refresh_from_db()
    change.refresh_from_db()
    assert change.status == ProductChange.Status.APPROVED and change.reviewed_by == officer
    assert (product.description, product.description_en) == ("Mật ong hoa ban nguyên chất.", "Pure bauhinia honey.")
    assert (variant.pack_size, variant.weight_grams) == ("Hũ 500 g", 650)
    image = ProductImage.objects.get(product=product)
    assert image.alt == "Hũ mật ong" and image.width == 200
    assert image.renditions, "the renditions task ran after commit, as for admin uploads"
    assert [m.to for m in mailoutbox] == [["chu-a@test.example"]]
    assert "đã được duyệt" in mailoutbox[0].subject


def test_approval_marks_the_product_for_the_search_index(producers, owner_a, officer, django_capture_on_commit_callbacks):
    product = producers[0].products.get()
    product.__class__.objects.filter(pk=product.pk).update(search_dirty=False)
    acting = access.acting_for(owner_a)
    service.save_draft(acting, product, {"description": "Mô tả mới"})
    change = service.submit(acting, product)
    with django_capture_on_commit_callbacks(execute=False):  # the re-index waits for the commit
        service.approve(change, officer)
    product.refresh_from_db()
    assert product.search_dirty


def test_send_back_needs_a_comment_then_the_producer_edits_and_resends(producers, owner_a, officer, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    product = producers[0].products.get()
    acting = access.acting_for(owner_a)
    service.save_draft(acting, product, {"description": "Mật ong ngon nhất thế giới"})
    change = service.submit(acting, product)
    with pytest.raises(ShopError) as refused:
        service.send_back(change, officer, "  ")
    assert refused.value.code == ProducerErrorCode.COMMENT_REQUIRED
    with django_capture_on_commit_callbacks(execute=True):
        service.send_back(change, officer, "Bỏ chữ 'nhất thế giới', không có căn cứ.")
    change.refresh_from_db()
    assert change.status == ProductChange.Status.RETURNED
    assert "trả lại" in mailoutbox[0].subject and "nhất thế giới" in mailoutbox[0].body

    again = service.save_draft(acting, product, {"description": "Mật ong hoa ban"})
    assert again.pk == change.pk and again.status == ProductChange.Status.DRAFT
    assert service.submit(acting, product).status == ProductChange.Status.PENDING


def test_a_pending_change_is_frozen_and_an_empty_draft_cannot_be_sent(producers, owner_a):
    product = producers[0].products.get()
    acting = access.acting_for(owner_a)
    with pytest.raises(ShopError) as empty:
        service.submit(acting, product)
    assert empty.value.code == ProducerErrorCode.NOTHING_TO_SUBMIT
    service.save_draft(acting, product, {"description": "Mới"})
    service.submit(acting, product)
    with pytest.raises(ShopError) as frozen:
        service.save_draft(acting, product, {"description": "Sửa tiếp"})
    assert frozen.value.code == ProducerErrorCode.CHANGE_PENDING
    assert product.changes.get().fields == {"description": "Mới"}


def test_only_province_officers_review(producers, owner_a):
    product = producers[0].products.get()
    acting = access.acting_for(owner_a)
    service.save_draft(acting, product, {"description": "Mới"})
    change = service.submit(acting, product)
    with pytest.raises(ShopError):
        service.approve(change, owner_a)
    change.refresh_from_db()
    assert change.status == ProductChange.Status.PENDING


def test_a_producer_cannot_propose_for_another_producers_product(producers, owner_b):
    a_product = producers[0].products.get()
    with pytest.raises(ShopError) as refused:
        service.save_draft(access.acting_for(owner_b), a_product, {"description": "Của B"})
    assert refused.value.code == ProducerErrorCode.PRODUCT_NOT_FOUND
    assert not ProductChange.objects.exists()


# -- pages -------------------------------------------------------------------------------------

def test_the_list_shows_stars_state_and_stock_in_a_fixed_number_of_queries(
        producers, owner_a, portal_client, make_product, sales_point, django_assert_max_num_queries):
    a = producers[0]
    product = a.products.get()
    ledger.stock_up(product.variants.get(), sales_point, 7)
    client = portal_client(owner_a)
    with django_assert_max_num_queries(12):
        client.get(url())
    for n in range(4):  # more products, changes and stock: the same number of queries
        extra = make_product(f"Sản phẩm thêm {n}", stock={sales_point: 3})
        extra.producer = a
        extra.save(update_fields=["producer"])
        service.save_draft(access.acting_for(owner_a), extra, {"description": f"Mô tả {n}"})
    with django_assert_max_num_queries(12):
        page = client.get(url())
    html = page.content.decode()
    assert page.status_code == 200 and product.name in html and "Sản phẩm thêm 3" in html
    assert "3 sao OCOP" in html and "Điểm bán Mường Ảng" in html and "bản nháp, chưa gửi duyệt" in html
    assert producers[1].products.get().name not in html


def test_list_queries_do_not_grow_with_products(producers, owner_a, portal_client, make_product, sales_point):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = portal_client(owner_a)
    client.get(url())  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url())
    for n in range(5):
        extra = make_product(f"Thêm {n}", stock={sales_point: 2})
        extra.producer = producers[0]
        extra.save(update_fields=["producer"])
    with CaptureQueriesContext(connection) as many:
        client.get(url())
    assert len(many.captured_queries) == len(few.captured_queries)


def test_page_flow_draft_submit_and_the_review_outcome_shown(producers, owner_a, officer, portal_client):
    product = producers[0].products.get()
    client = portal_client(owner_a)
    response = client.post(url(product), page_data(product, description="Mô tả mới", action="save"))
    assert response.status_code == 302 and response["Location"] == url(product)
    page = client.get(url(product)).content.decode()
    assert "Đã lưu bản nháp" in page and "Mô tả mới" in page

    client.post(url(product), page_data(product, description="Mô tả mới", action="submit"))
    page = client.get(url(product)).content.decode()
    assert "Đang chờ tỉnh duyệt." in page and 'id="change-form"' not in page
    # frozen: a post is refused with a message and changes nothing
    response = client.post(url(product), page_data(product, description="Lén sửa", action="save"), follow=True)
    assert "không sửa được" in response.content.decode()
    assert product.changes.get().fields["description"] == "Mô tả mới"

    service.send_back(product.changes.get(), officer, "Thêm mô tả tiếng Anh.")
    page = client.get("/en" + url(product)).content.decode()
    assert "Sent back by the province" in page and "Thêm mô tả tiếng Anh." in page

    client.post(url(product), page_data(product, description="Mô tả mới", description_en="New text",
                                        action="submit"))
    service.approve(product.changes.get(), officer)
    page = client.get(url(product)).content.decode()
    assert 'id="approved"' in page
    assert "đã duyệt" in client.get(url()).content.decode()


def test_prices_skus_and_names_cannot_be_changed_by_posting_extra_fields(producers, owner_a, officer, portal_client):
    product = producers[0].products.get()
    variant = product.variants.get()
    client = portal_client(owner_a)
    client.post(url(product), page_data(
        product, description="Mới", action="submit", name="Tên khác", price_vnd=1, **{
            f"v{variant.pk}-price_vnd": 1, f"v{variant.pk}-sku": "HACK", f"v{variant.pk}-gtin": "0000000000000",
            "variants": "x"}))
    change = product.changes.get()
    assert change.fields == {"description": "Mới"}
    service.approve(change, officer)
    variant.refresh_from_db()
    product.refresh_from_db()
    assert (variant.price_vnd, variant.sku, product.name) == (100_000, variant.sku, "Mật ong hoa ban A")
    assert variant.sku != "HACK"


def test_a_bad_image_gets_a_clear_message_and_keeps_the_typed_text(producers, owner_a, portal_client):
    product = producers[0].products.get()
    client = portal_client(owner_a)
    fake = upload(b"%PDF-1.4 not a photo at all", name="anh.jpg", content_type="image/jpeg")
    response = client.post("/en" + url(product), page_data(product, description="Chữ tôi vừa gõ", photo=fake,
                                                           action="save"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="photo-error"' in html and "PDF" in html and "JPEG" in html
    assert "Chữ tôi vừa gõ" in html
    assert not ProductChange.objects.exists()

    tiny = upload(png(20, 20))
    html = client.post(url(product), page_data(product, description="Chữ tôi vừa gõ", photo=tiny)).content.decode()
    assert "Chữ tôi vừa gõ" in html and 'id="photo-error"' in html


def test_a_good_photo_is_added_to_the_draft_and_can_be_removed(producers, owner_a, portal_client):
    product = producers[0].products.get()
    client = portal_client(owner_a)
    client.post(url(product), page_data(product, photo=upload(png(), name="hu-mat-ong.webp"), photo_alt="Hũ"))
    photo = product.changes.get().photos.get()
    assert photo.image.name.endswith(".png")  # named by its content, not the upload's extension
    stored = photo.image.path
    client.post(url(product), page_data(product, description="Giữ", remove_photo=[photo.pk]))
    assert not product.changes.get().photos.exists()
    assert not os.path.exists(stored)


def test_bad_numbers_are_refused_with_the_typed_values_kept(producers, owner_a, portal_client):
    product = producers[0].products.get()
    variant = product.variants.get()
    client = portal_client(owner_a)
    response = client.post(url(product), page_data(product, description="Giữ lại", **{
        f"v{variant.pk}-weight_grams": "nhiều"}))
    html = response.content.decode()
    assert response.status_code == 400 and "Giữ lại" in html and 'value="nhiều"' in html
    assert not ProductChange.objects.exists()


def test_producer_b_gets_404_for_a_products_pages_and_posts(producers, owner_a, owner_b, portal_client):
    a_product = producers[0].products.get()
    service.save_draft(access.acting_for(owner_a), a_product, {"description": "Của A"})
    client = portal_client(owner_b)
    assert client.get(url(a_product)).status_code == 404
    assert client.get("/en" + url(a_product)).status_code == 404
    response = client.post(url(a_product), page_data(a_product, description="B sửa", action="submit"))
    assert response.status_code == 404
    change = a_product.changes.get()
    assert change.fields == {"description": "Của A"} and change.status == ProductChange.Status.DRAFT
    assert a_product.name not in client.get(url()).content.decode()
    assert client.get("/producer/products/abc/").status_code == 404


def test_anonymous_visitors_are_sent_to_login(producers, client):
    product = producers[0].products.get()
    for path in (url(), url(product)):
        response = client.get(path)
        assert response.status_code == 302 and "/producer/login/" in response["Location"]


# -- the province's review in the admin --------------------------------------------------------

def _pending_change(product, owner):
    acting = access.acting_for(owner)
    service.save_draft(acting, product, {"description": "Mô tả đề nghị"}, photo=upload(png()))
    return service.submit(acting, product)


def test_admin_queue_lists_pending_and_shows_current_vs_proposed(producers, owner_a, officer, client):
    product = producers[0].products.get()
    product.description = "Mô tả đang đăng"
    product.save()
    change = _pending_change(product, owner_a)
    client.force_login(officer)
    listing = client.get("/admin/producers/productchange/").content.decode()
    assert product.name in listing
    page = client.get(f"/admin/producers/productchange/{change.pk}/change/").content.decode()
    assert "Mô tả đang đăng" in page and "Mô tả đề nghị" in page
    assert 'name="_approve"' in page and 'name="_send_back"' in page


def test_admin_send_back_requires_a_comment_and_approve_publishes(producers, owner_a, officer, client):
    product = producers[0].products.get()
    change = _pending_change(product, owner_a)
    client.force_login(officer)
    path = f"/admin/producers/productchange/{change.pk}/change/"
    response = client.post(path, {"_send_back": "1", "review_comment": ""})
    assert response.status_code == 200 and "cần sửa gì" in response.content.decode()
    change.refresh_from_db()
    assert change.status == ProductChange.Status.PENDING

    response = client.post(path, {"_approve": "1", "review_comment": ""})
    assert response.status_code == 302
    change.refresh_from_db()
    product.refresh_from_db()
    assert change.status == ProductChange.Status.APPROVED and product.description == "Mô tả đề nghị"
    assert ProductImage.objects.filter(product=product).count() == 1


def test_admin_send_back_with_a_comment(producers, owner_a, officer, client):
    product = producers[0].products.get()
    change = _pending_change(product, owner_a)
    client.force_login(officer)
    client.post(f"/admin/producers/productchange/{change.pk}/change/",
                {"_send_back": "1", "review_comment": "Ảnh mờ, chụp lại."})
    change.refresh_from_db()
    assert change.status == ProductChange.Status.RETURNED and change.comment == "Ảnh mờ, chụp lại."
    assert ProductVariant.objects.get(product=product).price_vnd == 100_000


def test_producer_people_cannot_use_the_review_admin(producers, owner_a, client):
    change = _pending_change(producers[0].products.get(), owner_a)
    client.force_login(owner_a)
    response = client.get(f"/admin/producers/productchange/{change.pk}/change/")
    assert response.status_code == 302  # not staff: the admin's login page
    client.post(f"/admin/producers/productchange/{change.pk}/change/", {"_approve": "1"})
    change.refresh_from_db()
    assert change.status == ProductChange.Status.PENDING


def test_saving_nothing_new_keeps_no_empty_draft(producers, owner_a, portal_client):
    product = producers[0].products.get()
    client = portal_client(owner_a)
    page = client.post("/en" + url(product), page_data(product, action="save"), follow=True).content.decode()
    assert "Nothing differs from the published content" in page and not ProductChange.objects.exists()
    client.post(url(product), page_data(product, description="Tạm"))
    client.post(url(product), page_data(product, description=""))  # taken back
    assert not ProductChange.objects.exists()


def test_the_list_page_query_count(producers, owner_a, portal_client, sales_point, django_assert_num_queries):
    product = producers[0].products.get()
    ledger.stock_up(product.variants.get(), sales_point, 5)
    service.save_draft(access.acting_for(owner_a), product, {"description": "Mới"})
    client = portal_client(owner_a)
    # session, user, membership, products (+stars, latest change), variants, changes, stock, memberships (menu)
    with django_assert_num_queries(8):
        assert client.get(url()).status_code == 200
