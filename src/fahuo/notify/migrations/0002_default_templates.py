# The default buyer-message library (话术库): one editable Chinese text per milestone and exception,
# so a fresh install (no demo) can message buyers. Only missing defaults are added — a text the seller
# already has (from the demo or an edit) is left alone — so running it after the demo, or the demo
# after it, gives one library. Reversing keeps the texts (they may have been edited).

from django.db import migrations


def seed_default_templates(apps, schema_editor):
    # The texts are the app's current defaults (one source: fahuo.notify.texts), so a fresh install
    # starts from the same library that ``ensure_default_templates`` would create.
    from fahuo.notify.texts import DEFAULT_TEXTS

    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    have = set(MessageTemplate.objects.filter(shop__isnull=True, channel="").values_list("key", flat=True))
    MessageTemplate.objects.bulk_create(
        [
            MessageTemplate(shop=None, key=key, channel="", title=title, body=body, active=True)
            for key, (title, body) in DEFAULT_TEXTS.items()
            if key not in have
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("notify", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_default_templates, migrations.RunPython.noop),
    ]
