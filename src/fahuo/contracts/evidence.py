"""Claim photos (理赔凭证): checked uploads stored under their SHA-256, and the claim's evidence PDF.

A photo is accepted when Pillow opens it as JPEG, PNG or WebP (the name and the browser's content
type are not trusted) and it is at most :data:`MAX_BYTES`; a claim keeps at most :data:`MAX_PHOTOS`.
The same picture sent twice for one claim is stored once. Files live in the default storage as
``claims/<sha[:2]>/<sha>.<ext>``, so equal bytes are one file whichever claim they belong to.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from fahuo.contracts.models import Claim, ClaimAttachment
from fahuo.kit.errors import InvalidInput
from fahuo.kit.money import format_yuan

MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 10
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes
    content_type: str
    ext: str
    sha256: str


def check_photo(*, name: str, data: bytes) -> Photo:
    """The upload as a photo, or :class:`InvalidInput` naming the file and what is wrong."""
    label = name or "(unnamed)"
    if not data:
        raise InvalidInput(f"{label}: the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"{label}: {len(data) / 1024 / 1024:.1f} MB is over the {MAX_BYTES // 1024 // 1024} MB limit"
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(f"{label}: not a JPEG, PNG or WebP image") from exc
    if fmt not in FORMATS:
        raise InvalidInput(f"{label}: {fmt or 'unknown'} images are not accepted (JPEG, PNG or WebP)")
    content_type, ext = FORMATS[fmt]
    return Photo(label[:200], data, content_type, ext, hashlib.sha256(data).hexdigest())


def read_files(files: Sequence[Any]) -> list[tuple[str, bytes]]:
    """(name, bytes) of uploaded files, refusing one over the limit before reading all of it."""
    out = []
    for f in files:
        if getattr(f, "size", 0) > MAX_BYTES:
            raise InvalidInput(
                f"{f.name}: {f.size / 1024 / 1024:.1f} MB is over the {MAX_BYTES // 1024 // 1024} MB limit"
            )
        out.append((str(getattr(f, "name", "") or ""), f.read()))
    return out


def add_photos(*, claim: Claim, files: Sequence[tuple[str, bytes]]) -> list[ClaimAttachment]:
    """Attach photos to the claim: every file is checked first, so a bad one keeps none of them."""
    photos = [check_photo(name=name, data=data) for name, data in files]
    have = set(claim.attachments.values_list("sha256", flat=True))
    fresh: dict[str, Photo] = {}
    for p in photos:
        if p.sha256 not in have:
            fresh.setdefault(p.sha256, p)
    if len(have) + len(fresh) > MAX_PHOTOS:
        raise InvalidInput(f"a claim keeps at most {MAX_PHOTOS} photos (it has {len(have)})")
    made = []
    for p in fresh.values():
        path = f"claims/{p.sha256[:2]}/{p.sha256}.{p.ext}"
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(p.data))
        made.append(
            ClaimAttachment.objects.create(
                claim=claim, file=path, sha256=p.sha256, content_type=p.content_type, size=len(p.data),
                original_name=p.name,
            )
        )  # fmt: skip
    return made


def photo_bytes(attachment: ClaimAttachment) -> bytes:
    with default_storage.open(attachment.file.name or "", "rb") as fh:
        return bytes(fh.read())


def claim_lines(claim: Claim) -> list[tuple[str, str]]:
    """The claim as (label, value) lines: the page and the PDF show the same facts."""
    local = timezone.localtime

    def when(value: Any) -> str:
        return f"{local(value):%Y-%m-%d %H:%M}" if value else "—"

    return [
        ("理赔编号", claim.claim_id),
        ("快递公司", f"{claim.carrier.name}（{claim.carrier.code}）"),
        ("运单号", claim.tracking_no),
        ("类型", claim.get_kind_display()),
        ("索赔金额", format_yuan(claim.amount_fen)),
        ("报告时间", when(claim.reported_at)),
        ("核定时间", when(claim.verified_at)),
        ("责任", claim.get_responsibility_display()),
        ("快递直接赔付", when(claim.paid_at)),
        ("说明", claim.note or "—"),
    ]


def claim_pdf(claim: Claim) -> bytes:
    """The evidence PDF: the claim's facts, then every photo with its SHA-256 (one page each)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from fahuo.contracts.documents import BOLD, REGULAR
    from fahuo.kit.pdf import MM, TextWriter, binary_streams, register_cjk_font

    font = register_cjk_font()
    buffer = io.BytesIO()
    width, height = A4
    photos = list(claim.attachments.all())
    with binary_streams():
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
        canvas.setTitle(f"理赔凭证 {claim.claim_id}")
        writer = TextWriter(canvas, font)
        left, y = 20 * MM, height - 25 * MM
        writer.draw(left, y, f"理赔凭证 · {claim.claim_id}", 18, weight=BOLD)
        y -= 12 * MM
        for label, value in [*claim_lines(claim), ("照片", f"{len(photos)} 张（附后，每张注明 SHA-256）")]:
            writer.draw(left, y, label, 11, weight=BOLD)
            writer.draw(left + 30 * MM, y, value[:60], 11, weight=REGULAR)
            y -= 7 * MM
        writer.flush()
        canvas.showPage()
        for n, photo in enumerate(photos, 1):
            writer = TextWriter(canvas, font)
            writer.draw(
                left,
                height - 20 * MM,
                f"照片 {n}/{len(photos)} · {photo.original_name[:40]}",
                12,
                weight=BOLD,
            )
            writer.draw(left, height - 27 * MM, f"SHA-256 {photo.sha256}", 8, weight=REGULAR)
            writer.flush()
            image = ImageReader(io.BytesIO(photo_bytes(photo)))
            iw, ih = image.getSize()
            box_w, box_h = width - 40 * MM, height - 60 * MM
            scale = min(box_w / iw, box_h / ih)
            w, h = iw * scale, ih * scale
            canvas.drawImage(image, left, height - 35 * MM - h, width=w, height=h)
            canvas.showPage()
        canvas.save()
    return buffer.getvalue()
