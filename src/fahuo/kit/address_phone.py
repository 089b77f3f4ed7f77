"""Phone numbers in Chinese addresses: the patterns that find them in a pasted line (mobiles with
+86/86/0086, landlines with area code and extension, 400/800 numbers, platform virtual numbers),
the near-misses that are reported instead of dropped, and :func:`normalize_phone`. Pure Python."""

from __future__ import annotations

import re
import unicodedata

_EXT = r"(?: ?(?:-|转|#|ext\.?|分机|x) ?(\d{1,6}))?"
# country code: 86, +86, 0086, and in brackets (+86) — the brackets go with the number
_COUNTRY_CODE = r"(?:\( ?(?:\+|00)?86 ?\)|(?:\+|00)?86)"
_MOBILE_CORE = rf"(?:{_COUNTRY_CODE}[ -]*)?(1[3-9]\d[ -]?\d{{4}}[ -]?\d{{4}})"
_LANDLINE_CORE = r"(?:\((0[1-9]\d{1,2})\)|(0[1-9]\d{1,2}))[ -]?([2-9]\d{6,7})"
_SERVICE_CORE = r"([48]00[ -]?\d{3}[ -]?\d{4})"

_NOT_A_UNIT = r"(?![\d号室栋楼幢层弄座]|单元)"  # 1201室 and 88号 are not phone numbers
PHONE_RE = re.compile(
    rf"(?<![\d+]){_MOBILE_CORE}{_EXT}{_NOT_A_UNIT}"
    rf"|(?<![\d+]){_LANDLINE_CORE}{_EXT}{_NOT_A_UNIT}"
    rf"|(?<![\d+]){_SERVICE_CORE}{_NOT_A_UNIT}",
    re.IGNORECASE,
)
_PHONE_FULL_RE = re.compile(rf"\s*(?:{_MOBILE_CORE}{_EXT}|{_LANDLINE_CORE}{_EXT}|{_SERVICE_CORE})\s*", re.I)
# a run of digits that looks like a phone attempt but is not a valid one (not a room or house number)
BAD_PHONE_RE = re.compile(
    r"(?<![\dA-Za-z-])(?:\(?\+?86\)?[ -]?)?1\d{2}[ -]?\d{2,5}[ -]?\d{2,6}(?![\dA-Za-z号室栋楼幢层弄座]|单元)"
)
# digits and letters glued into a line where a phone would be (张三13800abc123浙江省…)
BAD_MIXED_RE = re.compile(r"(?<![\dA-Za-z])\+?1\d+[A-Za-z][\dA-Za-z-]{2,12}(?![\dA-Za-z])")
# a whole segment that is a phone attempt with letters in it (13800abc123)
BAD_PHONE_SEGMENT_RE = re.compile(r"\+?[01][\dA-Za-z -]{6,}")
_TWO_DIGIT_AREA = frozenset({"010", "020", "021", "022", "023", "024", "025", "027", "028", "029"})

_PHONE_EMPTY = "缺少手机号：请填写收件人的11位手机号或带区号的固定电话"


def format_phone(m: re.Match[str]) -> str:
    mobile, mext, area1, area2, local, lext, service = m.groups()
    if mobile:
        digits = re.sub(r"\D", "", mobile)
        return f"{digits}-{mext}" if mext else digits
    if local:
        area = area1 or area2
        if len(area) == 4 and area[:3] in _TWO_DIGIT_AREA:  # 0105… is 010 + local
            area, local = area[:3], area[3:] + local
        base = f"{area}-{local}"
        return f"{base}-{lext}" if lext else base
    return re.sub(r"\D", "", service)


def normalize_phone(raw: str) -> tuple[str, str | None]:
    """Normalise a phone number: ``("13600001234", None)`` or ``("", "手机号无效：…")``.

    Accepts mobiles with +86/86/0086, dashes and spaces; landlines with area code
    (``0571-88886666``, extension ``0571-88886666-123``); 400/800 numbers; and platform virtual
    numbers with an extension (``13800001234-1234``, ``13800001234转1234``). The error message
    never echoes the number.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return "", _PHONE_EMPTY
    m = _PHONE_FULL_RE.fullmatch(text)
    if m:
        return format_phone(m), None
    if re.search(r"[A-Za-z\u4e00-\u9fff]", re.sub(r"(?i)ext|转|分机", "", text)):
        return "", "手机号无效：含有字母或其他非数字字符，请改为11位手机号或带区号的固定电话"
    digits = re.sub(r"\D", "", text)
    if digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]
    if digits.startswith("1") and len(digits) == 11:
        return "", "手机号无效：手机号应以13–19开头，请核对后改正"
    return "", f"手机号无效：共{len(digits)}位数字，请改为11位手机号或带区号的固定电话"
