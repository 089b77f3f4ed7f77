# The out-of-stock choice message (缺货选择): a new message key, and its default text added to the
# library where missing (the same seeding as 0002: the texts come from fahuo.notify.texts).

from typing import Any

from django.db import migrations, models

KEYS = [
    ("shipped", "已发货"),
    ("out_for_delivery", "派送中"),
    ("in_locker", "待取件"),
    ("delivered", "已签收"),
    ("delayed", "物流延误"),
    ("problem", "疑难件"),
    ("refused", "拒收"),
    ("returning", "退回中"),
    ("lost", "丢失"),
    ("ship_by_soon", "发货延迟致歉"),
    ("address_changed", "地址已修改"),
    ("stock_choice", "缺货选择"),
]


def seed(apps: Any, schema_editor: Any) -> None:
    from importlib import import_module

    import_module("fahuo.notify.migrations.0002_default_templates").seed_default_templates(
        apps, schema_editor
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_default_templates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="messagetemplate",
            name="key",
            field=models.CharField(choices=KEYS, max_length=20),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="template_key",
            field=models.CharField(choices=KEYS, max_length=20),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
