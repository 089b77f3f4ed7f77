"""The default library (话术库) comes with the migrations: a fresh install can message buyers."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from django.apps import apps

from fahuo.notify import services
from fahuo.notify.models import MessageKey, MessageTemplate
from fahuo.notify.tests import factories as f
from fahuo.notify.texts import DEFAULT_TEXTS, render
from fahuo.tracking.models import AlertKind

pytestmark = pytest.mark.django_db
SAMPLE = {"买家": "张*", "单号": "73100012345678", "快递": "中通快递", "预计": "6月20日"}


def defaults() -> dict[str, MessageTemplate]:
    return {t.key: t for t in MessageTemplate.objects.filter(shop__isnull=True, channel="")}


def test_a_fresh_database_has_a_template_for_every_milestone_and_exception() -> None:
    library = defaults()
    assert set(library) == set(MessageKey.values) == set(DEFAULT_TEXTS)
    # Every parcel status and every alert that messages the buyer has its text.
    assert set(services.STATUS_KEYS.values()) <= set(library)
    assert set(services.ALERT_KEYS.values()) <= set(library)
    assert {services.ALERT_KEYS[k] for k in (AlertKind.STALLED, AlertKind.LATE)} == {"delayed"}
    assert all(t.active for t in library.values())


def test_every_default_renders_without_leftover_variables() -> None:
    for key, template in defaults().items():
        text = render(template.body, {**SAMPLE, "店铺": "小雨直播间", "链接": "https://x.example/t/abc"})
        assert not re.search(r"[{}]", text), (key, text)
        assert text.startswith("张*"), key
    parcel = [k for k in MessageKey.values if k not in ("ship_by_soon", "address_changed", "stock_choice")]
    for key in parcel:
        body = defaults()[key].body
        assert "{单号}" in body and "{快递}" in body, key
    assert "{预计}" in defaults()["shipped"].body


def test_the_seeding_migration_is_idempotent_and_keeps_edits() -> None:
    migration = importlib.import_module("fahuo.notify.migrations.0002_default_templates")
    MessageTemplate.objects.filter(key="refused", shop__isnull=True).update(body="{买家}：拒收了？")
    MessageTemplate.objects.filter(key="lost", shop__isnull=True).delete()
    migration.seed_default_templates(apps, None)
    migration.seed_default_templates(apps, None)
    library = defaults()
    assert len(library) == len(DEFAULT_TEXTS)
    assert library["refused"].body == "{买家}：拒收了？"
    assert library["lost"].body == DEFAULT_TEXTS["lost"][1]


def test_a_fresh_install_queues_a_message_without_the_demo(sms_shop: Any) -> None:
    order = f.order(sms_shop)
    f.track(order)
    message = services.enqueue(order=order, key="shipped", now=f.NOW)
    assert message is not None and "张**" in message.body and "{" not in message.body
