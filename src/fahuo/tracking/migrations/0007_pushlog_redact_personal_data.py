"""Push-log excerpts stored before names, phones and street addresses were redacted get redacted now
(issue #12, finding 6): the same kit.privacy functions log_push uses today."""

from __future__ import annotations

from typing import Any

from django.db import migrations

BATCH = 500


def redact(apps: Any, schema_editor: Any) -> None:
    from fahuo.kit import privacy

    PushLog = apps.get_model("tracking", "PushLog")
    changed = []
    for log in PushLog.objects.only("pk", "body_excerpt").iterator(chunk_size=BATCH):
        text = privacy.scrub(privacy.redact_payload(log.body_excerpt or ""))
        if text != log.body_excerpt:
            log.body_excerpt = text
            changed.append(log)
        if len(changed) >= BATCH:
            PushLog.objects.bulk_update(changed, ["body_excerpt"])
            changed = []
    if changed:
        PushLog.objects.bulk_update(changed, ["body_excerpt"])


class Migration(migrations.Migration):
    dependencies = [("tracking", "0006_alert_fks_unenforced")]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
