from django import forms
from django.core.exceptions import ValidationError

from catalog import images, media
from catalog.models import Certification, ProductImage
from shop.errors import pick


class ProductImageForm(forms.ModelForm):
    """Admin upload: our own checks and messages instead of Django's generic
    'upload a valid image', then the same cleaning as every other path."""

    image = forms.FileField(label="ảnh", help_text="JPEG, PNG hoặc WebP; tối đa 10 MB; ảnh sẽ được xoay đúng chiều và xoá siêu dữ liệu.")

    class Meta:
        model = ProductImage
        fields = ["image", "alt", "alt_en", "position"]

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload is None or getattr(upload, "_committed", False):  # unchanged existing file
            return upload
        if upload.size > images_limit():
            raise ValidationError(pick("Tệp quá lớn (tối đa 10 MB). Hãy giảm kích thước ảnh rồi tải lại.",
                                       "The file is too large (10 MB at most). Make the image smaller and upload it again."))
        try:
            self._clean_image = images.normalise(upload.read())
        except images.ImageRejected as exc:
            raise ValidationError(pick(exc.message, exc.message_en), code=exc.code) from exc
        return upload

    def save(self, commit=True):
        instance = super().save(commit=False)
        if getattr(self, "_clean_image", None):
            clean, info = self._clean_image
            media.attach_clean_image(instance, clean, info, self.cleaned_data["image"].name)
        if commit:
            instance.save()
        return instance


def images_limit() -> int:
    from django.conf import settings

    return settings.IMAGE_MAX_UPLOAD_BYTES


class CertificationForm(forms.ModelForm):
    """A certificate in the admin (its page and the product's inline): the revocation rules of
    catalog.certification checked here, so a refused change is a form error; CertificationAdmin
    and ProductAdmin then save through certification.certify / revoke (catalog.admin.save_certificate)."""

    class Meta:
        model = Certification
        fields = "__all__"

    def clean(self):
        data = super().clean()
        original = self.instance if self.instance.pk else None
        if original is None or "revoked_at" not in self.changed_data:
            return data
        before = type(original).objects.filter(pk=original.pk).values_list("revoked_at", flat=True).first()
        after = data.get("revoked_at")
        if before is not None and (after is None or after > before):
            self.add_error("revoked_at", pick(
                f"Chứng nhận đã bị thu hồi từ ngày {before:%d/%m/%Y}; ngày thu hồi chỉ có thể đưa sớm hơn, không thể bỏ hay lùi lại.",
                f"The certificate was revoked from {before:%d/%m/%Y}; a revocation can be brought forward, never removed or pushed back."))
        elif after is not None and not (data.get("revoked_reason") or "").strip():
            self.add_error("revoked_reason", pick("Hãy ghi lý do thu hồi chứng nhận.", "Say why the certificate is revoked."))
        return data
