import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from catalog.models import Product


@pytest.fixture
def admin_client(client, demo):
    client.force_login(get_user_model().objects.get(username="admin@ocop-dienbien.example"))
    return client


@pytest.mark.parametrize(
    "query",
    ["", "?cert_status=valid", "?cert_status=expiring", "?cert_status=expired", "?cert_status=none", "?stars=4",
     "?group=beverage", "?district__id__exact=1", "?q=mat+ong"],
)
def test_product_list_filters_answer(admin_client, query):
    response = admin_client.get(f"/admin/catalog/product/{query}")
    assert response.status_code == 200


def test_expired_filter_and_stars_column(admin_client):
    body = admin_client.get("/admin/catalog/product/?cert_status=expired").content.decode()
    assert "Chẳm chéo M&#x27;Then" in body or "Chẳm chéo M'Then" in body
    assert "Mật ong hoa ban" not in body
    four = admin_client.get("/admin/catalog/product/?stars=4").content.decode()
    assert "Mật ong hoa ban" in four and "★★★★" in four


@pytest.mark.parametrize("path", ["catalog/certification", "catalog/producer", "catalog/productgroup",
                                  "catalog/productvariant", "inventory/stock", "inventory/stockmovement", "inventory/transfer",
                                  "inventory/salehold"])
def test_other_admin_lists_answer(admin_client, path):
    assert admin_client.get(f"/admin/{path}/").status_code == 200


def _jpeg(size=(300, 200)):
    buf = io.BytesIO()
    Image.new("RGB", size, "orange").save(buf, "JPEG")
    buf.seek(0)
    buf.name = "anh.jpg"
    return buf


def _change_form_data(admin_client, product):
    """The product's change form as posted back, with one new image row."""
    response = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"group": product.group_id, "producer": product.producer_id or "", "district": product.district_id or "",
                 "commune": product.commune_id or ""})
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        prefix = fs.prefix
        data[f"{prefix}-TOTAL_FORMS"] = fs.total_form_count()
        data[f"{prefix}-INITIAL_FORMS"] = fs.initial_form_count()
        for i, f in enumerate(fs.initial_forms):
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if value is not None and name != "image":
                    data[f"{prefix}-{i}-{name}"] = value.pk if hasattr(value, "pk") else value
    return {k: v for k, v in data.items() if v is not None}


def test_admin_rejects_a_non_image_with_a_clear_message_and_keeps_the_product(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = Product.objects.get(name="Dứa Na Sang")
    data = _change_form_data(admin_client, product)
    data["images-TOTAL_FORMS"] = 1
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "anh.jpg"
    data["images-0-image"] = fake
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 200  # the form again, not a 500
    errors = str(response.context["inline_admin_formsets"][-1].formset.errors)
    assert "PDF" in errors or "ảnh" in errors
    assert product.images.count() == 0


def test_admin_upload_is_cleaned_and_gets_renditions(admin_client, settings, tmp_path,
                                                     django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    product = Product.objects.get(name="Dứa Na Sang")
    data = _change_form_data(admin_client, product)
    data["images-TOTAL_FORMS"] = 1
    data["images-0-image"] = _jpeg()
    data["images-0-position"] = 0
    with django_capture_on_commit_callbacks(execute=True):  # the renditions are made after the commit
        response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    image = product.images.get()
    assert (image.width, image.height) == (300, 200)
    assert [r["width"] for r in image.renditions] == [160]  # fixed widths only, never upscaled


def _certificate_form(cert, **overrides):
    data = {"product": cert.product_id, "stars": cert.stars, "score": cert.score or "",
            "decision_number": cert.decision_number, "decision_date": cert.decision_date.strftime("%d/%m/%Y"),
            "issuing_body": cert.issuing_body, "issuing_level": cert.issuing_level, "kind": cert.kind,
            "revoked_at": cert.revoked_at.strftime("%d/%m/%Y") if cert.revoked_at else "",
            "revoked_reason": cert.revoked_reason}
    return {**data, **overrides}


def test_admin_revocation_goes_through_the_rule_and_is_never_pushed_back(admin_client):
    from catalog.models import Certification

    cert = Certification.objects.filter(revoked_at__isnull=True, superseded_by__isnull=True).order_by("id").first()
    url = f"/admin/catalog/certification/{cert.pk}/change/"
    day = cert.decision_date + datetime.timedelta(days=30)
    # A revocation without a reason is a form error, not a 500.
    response = admin_client.post(url, _certificate_form(cert, revoked_at=day.strftime("%d/%m/%Y")))
    assert response.status_code == 200 and "revoked_reason" in response.context["adminform"].form.errors
    response = admin_client.post(url, _certificate_form(cert, revoked_at=day.strftime("%d/%m/%Y"),
                                                        revoked_reason="Vi phạm tiêu chuẩn"))
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.revoked_at == day and cert.revoked_reason == "Vi phạm tiêu chuẩn"
    assert Product.objects.get(pk=cert.product_id).search_dirty  # the service marked it for the search index
    # Pushed back (or removed): refused on the form, nothing saved.
    for later in ((day + datetime.timedelta(days=5)).strftime("%d/%m/%Y"), ""):
        response = admin_client.post(url, _certificate_form(cert, revoked_at=later))
        assert response.status_code == 200
        assert "không thể bỏ hay lùi lại" in str(response.context["adminform"].form.errors["revoked_at"])
    cert.refresh_from_db()
    assert cert.revoked_at == day


def test_certificate_added_in_the_product_inline_goes_through_certify(admin_client):
    """A renewal typed in the product's certificate rows supersedes the one in force, as on its own page."""
    from catalog.models import Certification

    product = Product.objects.get(name="Mật ong hoa ban")
    current = product.certifications.filter(superseded_by__isnull=True).order_by("-decision_date").first()
    data = _change_form_data(admin_client, product)
    n = int(data["certifications-TOTAL_FORMS"])
    day = current.decision_date + datetime.timedelta(days=500)
    data.update({"certifications-TOTAL_FORMS": n + 1, f"certifications-{n}-stars": 5, f"certifications-{n}-score": 92,
                 f"certifications-{n}-decision_number": "77/QĐ-TTg", f"certifications-{n}-decision_date": day.strftime("%d/%m/%Y"),
                 f"certifications-{n}-issuing_body": "Thủ tướng Chính phủ", f"certifications-{n}-issuing_level": "CENTRAL",
                 f"certifications-{n}-kind": "NEW", f"certifications-{n}-product": product.pk})
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 302, str(response.context and [f.errors for f in response.context["inline_admin_formsets"]])
    new = Certification.objects.get(product=product, decision_number="77/QĐ-TTg")
    current.refresh_from_db()
    assert current.superseded_by_id == new.pk and new.kind == Certification.Kind.UPGRADE and new.decision_date == day
