"""Personal data: field encryption, lookup hashes and masking — the one place for all three.

Name, phone and street address are stored encrypted (AES-256-GCM, random nonce per value) and
shown masked by default. Lookups and de-duplication use a keyed HMAC of the normalised value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[AESGCM, bytes]:
    material = hashlib.sha256(("fahuo-field-key:" + secret).encode()).digest()
    hash_key = hashlib.sha256(("fahuo-hash-key:" + secret).encode()).digest()
    return AESGCM(material), hash_key


def _current_keys() -> tuple[AESGCM, bytes]:
    return _keys(settings.FAHUO_FIELD_KEY)


def encrypt(value: str) -> str:
    """Encrypt a string; the output is ASCII and safe for any text column."""
    aead, _ = _current_keys()
    nonce = os.urandom(12)
    blob = aead.encrypt(nonce, value.encode("utf-8"), None)
    return _PREFIX + base64.b64encode(nonce + blob).decode("ascii")


def decrypt(token: str) -> str:
    """The plain text of a stored value; ``Undecryptable`` (never an exception) when it cannot be read.

    A stored value without the prefix is plain text from before encryption. With the prefix it is
    ours: ``EncryptedTextField`` encrypts every value it writes, so user text that merely *looks*
    encrypted ("v1:…") is stored encrypted like any other (since 0.3; older rows holding such text
    come back as ``Undecryptable`` and are shown as an error on that one record).
    """
    if not token.startswith(_PREFIX):
        return token
    aead, _ = _current_keys()
    try:
        raw = base64.b64decode(token[len(_PREFIX) :], validate=True)
        return aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")
    except (ValueError, InvalidTag):  # binascii.Error and UnicodeDecodeError are ValueErrors
        return Undecryptable(token)


_FILE_AAD = b"fahuo-file-v1"


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a file's bytes (e.g. an upload waiting for the worker) with the field key."""
    aead, _ = _current_keys()
    nonce = os.urandom(12)
    return nonce + aead.encrypt(nonce, data, _FILE_AAD)


def decrypt_bytes(blob: bytes) -> bytes:
    """The bytes ``encrypt_bytes`` was given; ValueError when the blob is not ours or was altered."""
    aead, _ = _current_keys()
    try:
        return aead.decrypt(blob[:12], blob[12:], _FILE_AAD)
    except InvalidTag:
        raise ValueError("the file cannot be decrypted with this key") from None


class Undecryptable(str):
    """A stored value that does not decrypt (another key, or forged "v1:" text stored before 0.3).

    It reads as ``UNREADABLE`` everywhere (masking leaves it as is) and is written back unchanged,
    so opening and saving its record never destroys what is stored.
    """

    raw: str

    def __new__(cls, raw: str) -> Undecryptable:
        value = super().__new__(cls, UNREADABLE)
        value.raw = raw
        return value


UNREADABLE = "[无法解密]"


def is_unreadable(value: object) -> bool:
    return isinstance(value, Undecryptable)


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalised value, for equality lookups without decrypting."""
    _, key = _current_keys()
    norm = re.sub(r"\s+", "", value or "").lower()
    return hmac.new(key, norm.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


class EncryptedTextField(models.TextField):
    """A text field whose value is encrypted at rest; Python code sees plain text."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Undecryptable):
            return value.raw  # what was stored goes back as it was
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        # Always encrypt: whether a value is "already encrypted" is never read from its text.
        return encrypt(str(value))


# --- masking -----------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d")


def _masking(mask: Callable[[str], str]) -> Callable[[str | None], str]:
    """One front for every mask: a value that cannot be decrypted shows as ``UNREADABLE``, a blank one
    as ""; ``mask`` gets the rest, stripped."""

    @wraps(mask)
    def masked(value: str | None) -> str:
        if isinstance(value, Undecryptable):
            return UNREADABLE
        text = (value or "").strip()
        return mask(text) if text else ""

    return masked


@_masking
def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, 爱新觉罗溥仪 -> 爱***; keeps only the first character."""
    # At most three stars: a long name must not show its length (the label's rule, the strictest).
    return name[0] + "*" * min(3, max(1, len(name) - 1))


@_masking
def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; any other number keeps at most its last 4 digits."""
    digits = "".join(_DIGITS.findall(phone))
    if not digits:
        return ""
    if len(digits) >= 11 and digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[7:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


@_masking
def mask_detail(detail: str) -> str:
    """Street detail: keep the first 4 characters (road name) and hide the rest (number, room)."""
    keep = min(4, max(1, len(detail) // 3))
    return detail[:keep] + "****"


PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
FULLWIDTH = str.maketrans("０１２３４５６７８９＋－　", "0123456789+- ")
# A mainland mobile number, also written with +86 / 86 and space, dot or dash separators.
PHONE_LOOSE = re.compile(
    r"(?<![0-9])(?:\+?86[\s.\-]?)?(1[3-9][0-9])[\s.\-]?([0-9]{4})[\s.\-]?([0-9]{4})(?![0-9])"
)


def scrub(text: str) -> str:
    """Mask every mainland mobile number in free text (logs, errors, notes, labels): 13812345678,
    138 1234 5678, 138-1234-5678, +86 138… and full-width digits (normalised first) -> 138****5678."""
    text = text.translate(FULLWIDTH)
    text = PHONE_LOOSE.sub(lambda m: f"{m[1]}****{m[3]}", text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


# --- structured payloads (push logs) ---------------------------------------------------------------

# Keys whose values identify a person (compared lower-case without "_" / "-"); keys starting with
# "encrypt" or "mask" (抖店's ciphertext and masked copies) too. Region names are kept: they are
# what a person diagnosing a push needs, and they identify nobody.
PERSONAL_KEYS = frozenset(
    {
        "name", "receivername", "receiver", "postreceiver", "buyer", "buyernick", "nickname", "nick",
        "tel", "phone", "mobile", "posttel", "receivertel", "receiverphone", "receivermobile",
        "detail", "address", "addressdetail", "receiveraddress", "postaddr", "fulladdress",
        "buyerwords", "idcard", "idcardno", "email",
    }
)  # fmt: skip
REGION_KEYS = frozenset({"province", "city", "town", "district", "street", "country"})
REDACTED = "***"
_NESTED_MAX = 8


def redact_payload(text: str) -> str:
    """A push body (JSON, or a form whose values may be JSON) with personal values replaced by ***.

    JSON texts nested inside string values (抖店's ``data``, Kdniao's ``RequestData``) are redacted
    too. A body that is neither JSON nor a form comes back as given (``scrub`` still applies)."""
    stripped = text.strip()
    if stripped[:1] in "[{":
        try:
            return _dump(_redact(json.loads(stripped), "", 0))
        except ValueError:
            return _redact_loose(text)  # malformed or cut short: redact key by key
    if "=" in stripped and "\n" not in stripped:
        pairs = parse_qsl(stripped, keep_blank_values=True)
        if pairs:
            return "&".join(f"{key}={_redact_text(value, key, 0)}" for key, value in pairs)
    return _redact_loose(text)


# "key": "  with the quotes optionally backslash-escaped (JSON inside a JSON string).
_LOOSE_KEY = re.compile(r'(\\*")([A-Za-z][\w-]*)\1\s*:\s*(\\*")')


def _redact_loose(text: str) -> str:
    """Text that does not parse (a malformed or truncated body): the values of personal
    "key": "value" pairs, found by pattern at any escaping depth, are replaced."""
    out: list[str] = []
    pos = 0
    for m in _LOOSE_KEY.finditer(text):
        if m.start() < pos or not _personal(m.group(2)):
            continue
        quote = m.group(3)
        close = text.find(quote, m.end())
        value_end = len(text) if close < 0 else close
        if value_end > m.end():
            out.append(text[pos : m.end()] + REDACTED)
            pos = value_end
    out.append(text[pos:])
    return "".join(out)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _personal(key: str) -> bool:
    norm = key.lower().replace("_", "").replace("-", "")
    return norm in PERSONAL_KEYS or norm.startswith(("encrypt", "mask"))


def _redact_text(value: str, key: str, depth: int) -> str:
    """A string value: JSON inside it is redacted as a structure; a personal value is hidden."""
    inner = value.strip()
    if depth < _NESTED_MAX and inner[:1] in "[{":
        try:
            return _dump(_redact(json.loads(inner), key, depth + 1))
        except ValueError:
            pass
    return REDACTED if value and _personal(key) else value


def _redact(value: Any, key: str, depth: int) -> Any:
    if isinstance(value, dict):
        region = key.lower() in REGION_KEYS
        return {k: (v if region and k == "name" else _redact(v, str(k), depth + 1)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, key, depth + 1) for v in value]
    if isinstance(value, str):
        return _redact_text(value, key, depth)
    if value is not None and not isinstance(value, bool) and _personal(key):
        return REDACTED  # a phone sent as a number
    return value
