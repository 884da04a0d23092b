"""My certificates: the history with countdowns, renewal files and their dossier PDFs
(rules in producers/certificates.py)."""
from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalog import certification
from producers import certificates as service
from producers.portal import member_required, render_page
from shop.errors import CommonErrorCode, ShopError


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Tên tài liệu"), max_length=200, required=False)
    file = forms.FileField(label=_("Tệp PDF"), required=False)


def _or_404(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except ShopError as exc:
        if exc.code == CommonErrorCode.NOT_FOUND:
            raise Http404(exc.message) from None
        raise


@require_safe
@member_required
def certificates(request):
    products = service.certificate_history(request.acting, certification.today())
    return render_page(request, "producers/certificates/list.html", {"products": products}, tab="certificates")


@require_POST
@member_required
def renewal_start(request, product_id):
    try:
        renewal = _or_404(service.start_renewal, request.acting, product_id)
    except ShopError as exc:
        messages.error(request, exc.message)
        return redirect("producers:certificates")
    messages.success(request, gettext("Đã mở hồ sơ đánh giá lại; hãy tải lên các tệp PDF của hồ sơ rồi nộp."))
    return redirect("producers:renewal", renewal_id=renewal.pk)


def _renewal_page(request, renewal, form, status=200):
    return render_page(request, "producers/certificates/renewal.html", {
        "renewal": renewal, "documents": service.renewal_documents(renewal), "form": form,
        "status_words": service.renewal_status_words(renewal.status),
        "outcome_words": service.outcome_words(renewal.outcome),
        "max_mb": service.DOCUMENT_MAX_BYTES // (1024 * 1024),
    }, tab="certificates", status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def renewal(request, renewal_id):
    """The file: its documents, an upload form while open, the submit button, the outcome when decided."""
    renewal = _or_404(service.renewal_for, request.acting, renewal_id)
    if request.method != "POST":
        return _renewal_page(request, renewal, DocumentForm())
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            service.add_document(request.acting, renewal.pk, title=form.cleaned_data["title"],
                                 upload=form.cleaned_data["file"])
        except ShopError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, gettext("Đã tải lên “%(title)s”.") % {"title": form.cleaned_data["title"].strip()})
            return redirect("producers:renewal", renewal_id=renewal.pk)
    return _renewal_page(request, renewal, form, status=400)


@require_safe
@member_required
def document(request, renewal_id, document_id):
    doc = _or_404(service.document_for, request.acting, renewal_id, document_id)
    try:
        handle = doc.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("missing file") from None
    return FileResponse(handle, content_type="application/pdf", as_attachment=False,
                        filename=f"ho-so-{renewal_id}-{doc.pk}.pdf")


@require_POST
@member_required
def document_delete(request, renewal_id, document_id):
    try:
        _or_404(service.remove_document, request.acting, renewal_id, document_id)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Đã xoá tài liệu."))
    return redirect("producers:renewal", renewal_id=renewal_id)


@require_POST
@member_required
def renewal_submit(request, renewal_id):
    try:
        _or_404(service.submit_renewal, request.acting, renewal_id)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Đã nộp hồ sơ; cán bộ tỉnh sẽ xem và ghi kết quả."))
    return redirect("producers:renewal", renewal_id=renewal_id)
