"""Content-addressed storage of evidence files (packing videos, photos, unboxing uploads).

A file is kept once under ``<data dir>/evidence/<sha[:2]>/<sha256>`` whatever its name: the same
bytes uploaded twice are one file, and the name proves the content (anyone can recompute it). The
type is read from the bytes, never from the browser's claim: images are opened by Pillow, videos
must start with the WebM (EBML) or MP4 (``ftyp``) signature. Limits come from settings
(``FAHUO_EVIDENCE_VIDEO_MB`` 50, ``FAHUO_EVIDENCE_PHOTO_MB`` 10, ``FAHUO_EVIDENCE_DAYS`` 180).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from fahuo.kit.errors import FahuoError, InvalidInput

CHUNK = 1 << 16
# Files written for the first time inside ``collect_new()`` (their hashes), for a caller to undo.
_new_files: ContextVar[list[str] | None] = ContextVar("fahuo_new_evidence_files", default=None)
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class TooLarge(FahuoError):
    status = 413
    code = "too_large"


@dataclass(frozen=True, slots=True)
class Stored:
    sha256: str
    size: int
    content_type: str

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


def video_limit() -> int:
    return int(getattr(settings, "FAHUO_EVIDENCE_VIDEO_MB", 50)) * 1024 * 1024


def photo_limit() -> int:
    return int(getattr(settings, "FAHUO_EVIDENCE_PHOTO_MB", 10)) * 1024 * 1024


def retention_days() -> int:
    return int(getattr(settings, "FAHUO_EVIDENCE_DAYS", 180))


def root() -> Path:
    return Path(settings.DATA_DIR) / "evidence"


def path_of(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise InvalidInput("不是有效的文件指纹")
    return root() / sha256[:2] / sha256


def sniff(source: Path | BinaryIO) -> str:
    """The file's real type from its bytes (a path, or a binary file at its start), or InvalidInput."""
    if isinstance(source, Path):
        with source.open("rb") as fh:
            return sniff(fh)
    head = source.read(16)
    source.seek(0)
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(source) as image:
            kind = PHOTO_TYPES.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput("只能上传视频（WebM/MP4）或照片（JPEG/PNG/WebP）") from exc
    if kind is None:
        raise InvalidInput("只能上传视频（WebM/MP4）或照片（JPEG/PNG/WebP）")
    return kind


def store(chunks: Iterable[bytes], *, max_bytes: int | None = None) -> Stored:
    """Write the bytes under their SHA-256 (hashing while writing); ``TooLarge`` past ``max_bytes``
    (the video limit by default), ``InvalidInput`` for an empty file or a type we do not keep.
    A photo over the photo limit is refused too."""
    limit = video_limit() if max_bytes is None else max_bytes
    folder = root()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"文件超过 {limit // (1024 * 1024)} MB 上限")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput("文件是空的")
        content_type = sniff(tmp)
        if not content_type.startswith("video/") and size > photo_limit():
            raise TooLarge(f"照片超过 {photo_limit() // (1024 * 1024)} MB 上限")
        sha = digest.hexdigest()
        final = path_of(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            tmp.unlink()
        else:
            os.chmod(tmp, 0o600)
            os.replace(tmp, final)
            collected = _new_files.get()
            if collected is not None:
                collected.append(sha)
        return Stored(sha256=sha, size=size, content_type=content_type)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def collect_new() -> Iterator[list[str]]:
    """The hashes of the files ``store`` writes for the first time inside this block."""
    collected: list[str] = []
    token = _new_files.set(collected)
    try:
        yield collected
    finally:
        _new_files.reset(token)


def read(sha256: str) -> Iterator[bytes]:
    with path_of(sha256).open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def exists(sha256: str) -> bool:
    return path_of(sha256).exists()


def remove(sha256: str) -> bool:
    path = path_of(sha256)
    if path.exists():
        path.unlink()
        return True
    return False


def extension(content_type: str) -> str:
    return {
        "video/webm": "webm",
        "video/mp4": "mp4",
        "video/quicktime": "mov",
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/webp": "webp",
    }.get(content_type, "bin")
