"""Evidence pages: the scan station's upload (packing video/photo, JSON for the recorder script), a
kept file's download for the desk, and the buyer's unboxing upload behind the tracking link
(``/t/<token>/unboxing``: no login, no personal data, rate-limited)."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fahuo.accounts.selectors import visible
from fahuo.aftersales import storage, uploads
from fahuo.aftersales.models import Evidence
from fahuo.fulfilment.models import Parcel
from fahuo.kit.errors import FahuoError, InvalidInput, NotFound
from fahuo.kit.web import buyer_page, desk_view, private

PACK_PERMISSION = "fulfilment.print_labels"  # every desk role packs
READ = "orders.view_order"
SLACK = 64 * 1024  # multipart headers around the file


def _too_big(request: HttpRequest) -> bool:
    """Refuse an oversized body from its Content-Length, before Django reads it to a temp file."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > storage.video_limit() + SLACK


def _upload(request: HttpRequest) -> Iterator[bytes]:
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("请选择要上传的文件")
    return upload.chunks()


def _json_error(exc: FahuoError) -> JsonResponse:
    return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status)


@require_POST
@desk_view(PACK_PERMISSION)
def packing_upload(request: HttpRequest, parcel_id: int) -> HttpResponse:
    """One packing video or photo of a parcel (the scan station's recorder posts here)."""
    if _too_big(request):
        return _json_error(storage.TooLarge(f"文件超过 {storage.video_limit() // (1024 * 1024)} MB 上限"))
    parcel = (
        visible(Parcel.objects.select_related("order"), request.user, field="order__shop")
        .filter(pk=parcel_id)
        .first()
    )
    if parcel is None:
        return _json_error(NotFound("包裹不存在"))
    try:
        with uploads.atomic_upload():
            evidence = uploads.add_packing(parcel=parcel, chunks=_upload(request), user=request.user)
    except FahuoError as exc:
        return _json_error(exc)
    return JsonResponse(
        {
            "id": evidence.pk,
            "kind": evidence.kind,
            "label": evidence.get_kind_display(),
            "sha256": evidence.sha256,
            "size": evidence.size_bytes,
            "content_type": evidence.content_type,
        },
        status=201,
    )


@require_GET
@desk_view(READ)
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A kept file, for users of its shop (404 otherwise)."""
    evidence = visible(Evidence.objects.all(), request.user).filter(pk=pk).first()
    if evidence is None or not storage.exists(evidence.sha256):
        raise NotFound("文件不存在或已过保存期")
    name = f"{evidence.kind}-{evidence.sha256[:12]}.{storage.extension(evidence.content_type)}"
    response = FileResponse(
        storage.path_of(evidence.sha256).open("rb"), content_type=evidence.content_type, filename=name
    )
    return private(response)


def _client_ip(request: HttpRequest) -> str:
    return str(getattr(request, "client_ip", "") or request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "POST"])
def unboxing(request: HttpRequest, token: str) -> HttpResponse:
    """The buyer's unboxing upload: the shop's name and the waybill number only."""
    try:
        track = uploads.buyer_track(token)
    except NotFound:
        return buyer_response(render(request, "aftersales/unboxing.html", {"missing": True}, status=404))
    context: dict[str, object] = {
        "shop_name": track.order.shop.name,
        "tracking_no": track.tracking_no,
        "token": token,
        "video_mb": storage.video_limit() // (1024 * 1024),
        "photo_mb": storage.photo_limit() // (1024 * 1024),
    }
    status = 200
    if request.method == "POST":
        try:
            if _too_big(request):
                raise storage.TooLarge(f"文件超过 {context['video_mb']} MB 上限")
            with uploads.atomic_upload():
                evidence = uploads.add_unboxing(
                    token=token,
                    chunks=_upload(request),
                    client_ip=_client_ip(request),
                )
        except FahuoError as exc:
            context["error"], status = exc.message, exc.status
        else:
            context["done"] = evidence
    return buyer_response(render(request, "aftersales/unboxing.html", context, status=status))


def buyer_response(response: HttpResponse) -> HttpResponse:
    """Headers of a buyer's page behind a link (no login): not cached, not indexed."""
    # same-origin, not no-referrer: with no-referrer the browser sends "Origin: null" on the form's
    # POST and Django's CSRF check refuses it; the token still never leaves the site.
    return buyer_page(response, referrer="same-origin")
