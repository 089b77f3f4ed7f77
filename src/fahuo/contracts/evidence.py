"""Claim evidence (理赔凭证): photos and videos stored under their SHA-256, and the claim's evidence PDF.

A file is accepted by its bytes, never by its name or the browser's content type, with the after-sales
evidence rules (:mod:`fahuo.aftersales.storage`): a photo is a JPEG, PNG or WebP Pillow opens, at most
the photo limit (``FAHUO_EVIDENCE_PHOTO_MB``, 10 MB); a video starts with the WebM or MP4 signature,
at most the video limit (``FAHUO_EVIDENCE_VIDEO_MB``, 50 MB). A claim keeps at most
:data:`MAX_PHOTOS` files; the same file sent twice for one claim is stored once. Files live in the
default storage as ``claims/<sha[:2]>/<sha>.<ext>``, so equal bytes are one file whichever claim they
belong to (a copy of an after-sales file: its retention sweep does not take a claim's evidence).
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from fahuo.aftersales import storage
from fahuo.contracts.models import Claim, ClaimAttachment
from fahuo.kit.errors import InvalidInput
from fahuo.kit.money import format_yuan

MAX_PHOTOS = 10  # files (photos and videos) per claim
VIDEO_HEAD = 1 << 20  # where a WebM's duration is looked for


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    content_type: str
    ext: str
    sha256: str
    duration_ms: int | None = None

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


def _over(label: str, size: int, limit: int) -> InvalidInput:
    return InvalidInput(
        _("%(name)s: %(size).1f MB is over the %(limit)d MB limit")
        % {"name": label, "size": size / 1024 / 1024, "limit": limit // 1024 // 1024}
    )


def _refusal(label: str, data: bytes) -> InvalidInput:
    """Why the bytes are neither an accepted photo nor a video, naming an image format we do not take."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        fmt = ""
    if fmt and fmt not in storage.PHOTO_TYPES:
        return InvalidInput(
            _("%(name)s: %(format)s images are not accepted (JPEG, PNG or WebP; WebM or MP4 video)")
            % {"name": label, "format": fmt}
        )
    return InvalidInput(
        _("%(name)s: not a JPEG, PNG or WebP image nor a WebM or MP4 video") % {"name": label}
    )


def check_file(*, name: str, data: bytes) -> Upload:
    """The upload as a photo or a video, or :class:`InvalidInput` naming the file and what is wrong."""
    label = name or "(unnamed)"
    if not data:
        raise InvalidInput(_("%(name)s: the file is empty") % {"name": label})
    try:
        content_type = storage.sniff(io.BytesIO(data))
    except InvalidInput as exc:
        raise _refusal(label, data) from exc
    video = content_type.startswith("video/")
    limit = storage.video_limit() if video else storage.photo_limit()
    if len(data) > limit:
        raise _over(label, len(data), limit)
    sha = hashlib.sha256(data).hexdigest()
    seconds = video_seconds(data) if video else None
    duration = round(seconds * 1000) if seconds is not None else None
    return Upload(label[:200], data, content_type, storage.extension(content_type), sha, duration)


def video_seconds(data: bytes) -> float | None:
    """A video's length from its header (MP4 ``mvhd``, WebM ``Duration``); None when it does not say."""
    if data[4:8] == b"ftyp":
        return _mp4_seconds(data)
    return _webm_seconds(data[:VIDEO_HEAD])


def _mp4_boxes(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    """Top-level boxes between ``start`` and ``end``: type -> (payload start, payload end)."""
    boxes: dict[bytes, tuple[int, int]] = {}
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        head = 8
        if size == 1 and at + 16 <= end:
            size, head = struct.unpack(">Q", data[at + 8 : at + 16])[0], 16
        elif size == 0:
            size = end - at
        if size < head:
            break
        boxes.setdefault(kind, (at + head, min(at + size, end)))
        at += size
    return boxes


def _mp4_seconds(data: bytes) -> float | None:
    moov = _mp4_boxes(data, 0, len(data)).get(b"moov")
    mvhd = _mp4_boxes(data, *moov).get(b"mvhd") if moov else None
    if mvhd is None:
        return None
    body = data[mvhd[0] : mvhd[1]]
    if body[:1] == b"\x01" and len(body) >= 32:
        scale, length = struct.unpack(">IQ", body[20:32])
    elif len(body) >= 20:
        scale, length = struct.unpack(">II", body[12:20])
    else:
        return None
    return length / scale if scale else None


def _webm_seconds(head: bytes) -> float | None:
    """The Segment Info's Duration (ticks of TimecodeScale nanoseconds, 1 ms unless given)."""
    at = head.find(b"\x44\x89")
    if at < 0 or at + 3 > len(head):
        return None
    width = {0x84: 4, 0x88: 8}.get(head[at + 2])
    if width is None or at + 3 + width > len(head):
        return None
    ticks = struct.unpack(">f" if width == 4 else ">d", head[at + 3 : at + 3 + width])[0]
    scale = 1_000_000
    found = head.find(b"\x2a\xd7\xb1")
    if 0 <= found and found + 4 <= len(head) and 0x81 <= head[found + 3] <= 0x88:
        n = head[found + 3] - 0x80
        scale = int.from_bytes(head[found + 4 : found + 4 + n], "big") or scale
    seconds = ticks * scale / 1e9
    return seconds if 0 < seconds < 86400 else None


def read_files(files: Sequence[Any]) -> list[tuple[str, bytes]]:
    """(name, bytes) of uploaded files, refusing one over the video limit before reading all of it."""
    out = []
    for f in files:
        if getattr(f, "size", 0) > storage.video_limit():
            raise _over(str(f.name), f.size, storage.video_limit())
        out.append((str(getattr(f, "name", "") or ""), f.read()))
    return out


def add_files(*, claim: Claim, files: Sequence[tuple[str, bytes]]) -> list[ClaimAttachment]:
    """Attach photos and videos to the claim: every file is checked first, so a bad one keeps none."""
    uploads = [check_file(name=name, data=data) for name, data in files]
    have = set(claim.attachments.values_list("sha256", flat=True))
    fresh: dict[str, Upload] = {}
    for u in uploads:
        if u.sha256 not in have:
            fresh.setdefault(u.sha256, u)
    if len(have) + len(fresh) > MAX_PHOTOS:
        raise InvalidInput(
            _("a claim keeps at most %(max)d photos and videos (it has %(have)d)")
            % {"max": MAX_PHOTOS, "have": len(have)}
        )
    made = []
    for u in fresh.values():
        path = f"claims/{u.sha256[:2]}/{u.sha256}.{u.ext}"
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(u.data))
        made.append(
            ClaimAttachment.objects.create(
                claim=claim, file=path, sha256=u.sha256, content_type=u.content_type, size=len(u.data),
                original_name=u.name, duration_ms=u.duration_ms,
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
        (_("Claim number"), claim.claim_id),
        (_("Carrier"), f"{claim.carrier.name}（{claim.carrier.code}）"),
        (_("Waybill number"), claim.tracking_no),
        (_("Kind"), claim.get_kind_display()),
        (_("Claimed amount"), format_yuan(claim.amount_fen)),
        (_("Reported at"), when(claim.reported_at)),
        (_("Verified at"), when(claim.verified_at)),
        (_("Responsibility"), claim.get_responsibility_display()),
        (_("Paid by the carrier"), when(claim.paid_at)),
        (_("Explanation"), claim.note or "—"),
    ]


def video_line(video: ClaimAttachment) -> str:
    """name · size · length (when the file says) for the page and the PDF."""
    from django.template.defaultfilters import filesizeformat

    length = (
        _("length %(s).1f s") % {"s": video.duration_ms / 1000} if video.duration_ms else _("length unknown")
    )
    return f"{video.original_name[:40]} · {filesizeformat(video.size)} · {length}"


def claim_pdf(claim: Claim) -> bytes:
    """The evidence PDF: the claim's facts and its videos (name, size, length, SHA-256), then every
    photo with its SHA-256 (one page each)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from fahuo.contracts.documents import BOLD, REGULAR
    from fahuo.kit.pdf import MM, TextWriter, binary_streams, register_cjk_font

    font = register_cjk_font()
    buffer = io.BytesIO()
    files = list(claim.attachments.all())
    photos = [f for f in files if not f.is_video]
    videos = [f for f in files if f.is_video]
    with binary_streams():
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
        canvas.setTitle(_("Claim evidence %(claim)s") % {"claim": claim.claim_id})
        writer = TextWriter(canvas, font)
        left, y = 20 * MM, A4[1] - 25 * MM
        writer.draw(left, y, _("Claim evidence · %(claim)s") % {"claim": claim.claim_id}, 18, weight=BOLD)
        y -= 12 * MM
        facts = [
            *claim_lines(claim),
            (_("Photos"), _("%(n)d (attached, each with its SHA-256)") % {"n": len(photos)}),
            (
                _("Videos"),
                _("%(n)d videos") % {"n": len(videos)}
                + (_("(below, files attached separately)") if videos else ""),
            ),
        ]
        for label, value in facts:
            writer.draw(left, y, label, 11, weight=BOLD)
            writer.draw(left + 30 * MM, y, value[:60], 11, weight=REGULAR)
            y -= 7 * MM
        for n, video in enumerate(videos, 1):
            writer.draw(
                left,
                y,
                _("Video %(n)d/%(total)d · %(line)s")
                % {"n": n, "total": len(videos), "line": video_line(video)},
                10,
                weight=BOLD,
            )
            writer.draw(left, y - 5 * MM, f"SHA-256 {video.sha256}", 8, weight=REGULAR)
            y -= 12 * MM
        writer.flush()
        canvas.showPage()
        for n, photo in enumerate(photos, 1):
            _photo_page(
                canvas,
                font,
                photo,
                _("Photo %(n)d/%(total)d · %(name)s")
                % {"n": n, "total": len(photos), "name": photo.original_name[:40]},
            )
        canvas.save()
    return buffer.getvalue()


def _photo_page(canvas: Any, font: str, photo: ClaimAttachment, title: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader

    from fahuo.contracts.documents import BOLD, REGULAR
    from fahuo.kit.pdf import MM, TextWriter

    width, height = A4
    left = 20 * MM
    writer = TextWriter(canvas, font)
    writer.draw(left, height - 20 * MM, title, 12, weight=BOLD)
    writer.draw(left, height - 27 * MM, f"SHA-256 {photo.sha256}", 8, weight=REGULAR)
    writer.flush()
    image = ImageReader(io.BytesIO(photo_bytes(photo)))
    iw, ih = image.getSize()
    scale = min((width - 40 * MM) / iw, (height - 60 * MM) / ih)
    w, h = iw * scale, ih * scale
    canvas.drawImage(image, left, height - 35 * MM - h, width=w, height=h)
    canvas.showPage()
