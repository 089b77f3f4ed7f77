"""The Content-Security-Policy runs no inline code or style but ours: a fresh nonce per response
and neither 'unsafe-inline' nor 'unsafe-eval'; no template carries an inline handler or a script
without the nonce. (The browser walk is test_csp_browser.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

SRC = Path(__file__).resolve().parents[2]


def _directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


def _nonce(header: str) -> str:
    (nonce,) = [s for s in _directives(header)["script-src"] if s.startswith("'nonce-")]
    return nonce[len("'nonce-") : -1]


@pytest.mark.django_db
def test_script_src_has_a_fresh_nonce_and_no_unsafe_sources(owner: Any) -> None:
    client = Client()
    client.force_login(owner)
    headers = [client.get(path).headers["Content-Security-Policy"] for path in ("/", "/", "/login/")]
    for header in headers:
        script_src = _directives(header)["script-src"]
        assert "'self'" in script_src
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, header
        assert len(_nonce(header)) >= 22  # 128 bits
        # styles: our stylesheets and nonce'd <style> only, no style= attributes
        style_src = _directives(header)["style-src"]
        assert "'unsafe-inline'" not in style_src and f"'nonce-{_nonce(header)}'" in style_src, header
    assert len({_nonce(h) for h in headers}) == 3  # never reused


@pytest.mark.django_db
def test_the_buyers_page_inline_script_carries_the_responses_nonce(shop: Any) -> None:
    from fahuo.notify import services
    from fahuo.notify.tests import factories

    track = factories.track(factories.order(shop))
    services.ensure_token(track)
    response = Client().get(f"/t/{track.token}")
    assert response.status_code == 200
    nonce = _nonce(response.headers["Content-Security-Policy"])
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline), inline


def _templates() -> list[Path]:
    return sorted(p for p in SRC.rglob("templates/**/*.html") if "/tests/" not in str(p))


def test_no_template_has_inline_code_the_policy_would_block() -> None:
    """A script tag without src must be data (application/json) or carry the request's nonce;
    on*= handler attributes, hx-on and javascript: URLs cannot run under the policy at all."""
    problems: list[str] = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(SRC)
        for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text):
            if "application/json" in attrs or 'nonce="{{ request.csp_nonce }}"' in attrs:
                continue
            problems.append(f"{rel}: inline <script{attrs}>")
        for handler in re.findall(r"\s(on[a-z]+|hx-on[:\w-]*)=", text):
            problems.append(f"{rel}: inline handler {handler}=")
        if "javascript:" in text:
            problems.append(f"{rel}: javascript: URL")
    assert problems == [], problems


def test_no_template_has_a_style_the_policy_would_block() -> None:
    """No style= attribute anywhere (they cannot carry a nonce); a <style> block carries the nonce."""
    problems: list[str] = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(SRC)
        problems += [f"{rel}: style= attribute" for _ in re.findall(r"\sstyle\s*=", text)]
        for attrs in re.findall(r"<style\b([^>]*)>", text):
            if 'nonce="{{ request.csp_nonce }}"' not in attrs:
                problems.append(f"{rel}: <style{attrs}> without the nonce")
    assert problems == [], problems


def test_htmx_is_told_not_to_eval() -> None:
    base = (SRC / "desk/templates/desk/base.html").read_text(encoding="utf-8")
    assert '"allowEval": false' in base
    config = base.split('name="htmx-config"')[1].split(">")[0]
    assert "inlineScriptNonce" not in config
    assert '"includeIndicatorStyles": false' in config  # htmx would inject an inline <style>
