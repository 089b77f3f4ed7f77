"""Template texts: variables, validation on save, rendering with the buyer's name masked."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from fahuo.kit.errors import InvalidInput
from fahuo.notify import services
from fahuo.notify.models import MessageTemplate
from fahuo.notify.tests import factories as f
from fahuo.notify.texts import DEFAULT_TEXTS, render, sms_parts, validate_body


def test_every_default_text_is_valid_and_names_known_variables_only() -> None:
    for key, (title, body) in DEFAULT_TEXTS.items():
        validate_body(body)
        assert title and "{买家}" in body, key


@pytest.mark.parametrize("body", ["您的{单号码}已发货", "{买家}您好 {phone}", "{ 单号 }"])
def test_an_unknown_variable_is_rejected(body: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_body(body)
    assert exc.value.code == "unknown_variable"


@pytest.mark.parametrize("body", ["单号 {单号", "单号} 已发", "{{单号}}"])
def test_a_stray_brace_is_rejected(body: str) -> None:
    with pytest.raises(ValidationError):
        validate_body(body)


def test_full_width_braces_are_plain_text() -> None:
    validate_body("｛温馨提示｝{买家}您好")
    assert render("｛温馨提示｝{买家}您好", {"买家": "张*"}) == "｛温馨提示｝张*您好"


def test_saving_a_template_with_an_unknown_variable_fails(library: None) -> None:
    template = MessageTemplate.objects.get(shop=None, key="shipped", channel="")
    with pytest.raises(InvalidInput) as exc:
        services.save_template(template=template, title="x", body="{买家} {运单}", channel="")
    assert "{运单}" in exc.value.message
    template.refresh_from_db()
    assert "{运单}" not in template.body
    template.body = "{运单}"
    with pytest.raises(ValidationError):
        template.full_clean()


def test_rendering_masks_the_buyer_and_fills_every_variable(shop: Any, library: None) -> None:
    order = f.order(shop)
    track = f.track(order)
    services.ensure_token(track)
    values = services.message_values(order=order, track=track, carriers={"ZTO": "中通快递"}, now=f.NOW)
    text = render(DEFAULT_TEXTS["shipped"][1], values)
    assert text.startswith("张**您好")
    assert f.FULL_NAME not in text and f.FULL_PHONE not in text
    assert track.tracking_no in text and "中通快递" in text and shop.name in text
    assert "6月20日" in text  # picked up 06-18 06:00 Beijing + 48 h
    assert f"https://fahuo.example.com/t/{track.token}" in text
    assert "{" not in text


def test_sms_parts() -> None:
    assert sms_parts("") == 0
    assert sms_parts("字" * 70) == 1
    assert sms_parts("字" * 71) == 2
    assert sms_parts("字" * 134) == 2
    assert sms_parts("字" * 135) == 3


def test_default_templates_are_seeded_once_and_edits_kept(db: Any) -> None:
    # The migration seeded the library: seeding again (as the demo does) adds nothing.
    assert services.ensure_default_templates() == 0
    MessageTemplate.objects.filter(key="shipped").update(body="{买家}发货啦")
    MessageTemplate.objects.filter(key="lost").delete()
    assert services.ensure_default_templates() == 1  # only the deleted default comes back
    assert MessageTemplate.objects.get(key="shipped").body == "{买家}发货啦"
    assert MessageTemplate.objects.filter(shop__isnull=True).count() == len(DEFAULT_TEXTS)
