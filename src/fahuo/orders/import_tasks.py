"""Background jobs for order imports (Huey; SQLite storage by default, Redis with FAHUO_REDIS_URL).

Registered from ``OrdersConfig.ready`` (Huey discovers only ``tasks`` modules by itself)."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task, on_startup

from fahuo.kit import leases
from fahuo.orders.import_runs import resume_interrupted, run_import

log = logging.getLogger(__name__)


@db_task()
def import_orders_task(batch_id: int) -> dict[str, object] | None:
    """Work one staged order import chunk by chunk; a run another live worker has is left alone."""
    report = run_import(batch_id=batch_id)
    if report is None:
        return None
    return {"batch": batch_id, "created": report.orders_created, "duplicates": report.duplicates}


# When the worker starts, imports a killed worker left running continue (once per process).
resume_interrupted_imports = on_startup("resume_interrupted_imports")(
    leases.resume_once(resume_interrupted, "order imports", log)
)
