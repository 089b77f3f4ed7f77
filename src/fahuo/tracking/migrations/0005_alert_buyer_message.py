# Buyer messages for alerts the sweep opens: a per-kind switch on AlertRule and, per alert, what became
# of its buyer message (queued automatically, held because the alert was already old, switched off,
# sent by hand).

from django.db import migrations, models


def ship_by_soon_off(apps, schema_editor):
    # "Will ship late" before the deadline has passed is premature: the apology goes out when the
    # order is overdue (same message, sent once per order), unless the seller switches this on.
    AlertRule = apps.get_model("tracking", "AlertRule")
    AlertRule.objects.filter(kind="ship_by_soon").update(message_buyer=False)


class Migration(migrations.Migration):

    dependencies = [
        ("tracking", "0004_polling"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="buyer_message",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("auto", "已自动通知买家"),
                    ("held", "未自动通知（告警时已过时）"),
                    ("off", "未自动通知（已关闭）"),
                    ("manual", "已手动通知买家"),
                ],
                default="",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="alertrule",
            name="message_buyer",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(ship_by_soon_off, migrations.RunPython.noop),
    ]
