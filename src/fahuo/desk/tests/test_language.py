"""The Chinese desk speaks Chinese (issue #15, item 8): every page the crawl reaches from the
dashboard, rendered for a zh-CN browser, shows no English word outside ``ALLOWED_WORDS`` — brand
names, units, file formats and the codes a seller types or reads off a label."""

from __future__ import annotations

import re
from collections import defaultdict
from html import unescape
from typing import Any

import pytest
from django.test import Client

from fahuo.desk.tests.test_crawl import (
    crawl_pages,
    demo,  # noqa: F401 (fixture)
    demo_user,
)

pytestmark = pytest.mark.django_db

ALLOWED_WORDS = {
    # brands, products and platforms a seller knows by these names
    "fahuo",
    "SF",
    "EMS",
    "ZTO",
    "YTO",
    "YD",
    "JD",
    "STO",
    "WeChat",
    "HiGHS",
    "Noto",
    "Sans",
    "SC",
    # file formats, units, standard abbreviations
    "PDF",
    "Excel",
    "CSV",
    "XLSX",
    "xlsx",
    "csv",
    "pdf",
    "API",
    "IP",
    "QR",
    "SKU",
    "kg",
    "g",
    "KB",
    "MB",
    "mm",
    "cm",
    "h",
    "EN",
    "ID",
    "URL",
    "HTTP",
    "ok",
    "vs",
    # the demo's codes and names a seller typed: warehouses, carriers, shops, users, cartons
    "HZ",
    "GZ",
    "CD",
    "SANDBOX",
    "xiaoyu",
    "siyu",
    "demo",
    "owner",
    "operator",
    "packer",
    "LONG",
    # product traits as typed in the product sheet's traits column
    "cold",
    "fragile",
    "irregular",
    "liquid",
    "powder",
    "valuable",
    "default",
    "JTSD",
    # commands the desk tells the seller to run (fahuo worker, fahuo user create)
    "worker",
    "user",
    "create",
    # a provider's own credential names, copied from its portal into set-up (快递鸟 EBusinessID …)
    "EBusinessID",
    "Key",
    "customer",
    "sandbox",
}
SKIP_BLOCKS = re.compile(r"<(script|style|textarea)\b.*?</\1>", re.S | re.I)
TAGS = re.compile(r"<[^>]+>")
WORD = re.compile(r"(?<![\w.@/:-])[A-Za-z]{2,}(?![\w.@/:-])")


def visible_words(html: str) -> list[str]:
    body = html.split("<body", 1)[-1]
    text = unescape(TAGS.sub(" ", SKIP_BLOCKS.sub(" ", body)))
    return WORD.findall(text)


def test_the_chinese_desk_shows_no_untranslated_english(demo: Any) -> None:  # noqa: F811
    client = Client()
    client.force_login(demo_user("owner"))
    found: dict[str, set[str]] = defaultdict(set)
    pages = crawl_pages(client)
    assert len(pages) > 30
    for url, html in pages.items():
        for word in visible_words(html):
            if word not in ALLOWED_WORDS:
                found[word].add(url)
    report = {word: sorted(urls)[:3] for word, urls in sorted(found.items())}
    assert report == {}, f"English words on Chinese pages: {report}"
