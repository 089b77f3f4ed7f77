"""``fahuo worker --processes 2``: a batch issued by one worker process while the other draws its label
parts from the queue; the issuing process is SIGKILLed mid-stream and the batch still ends with
exactly one waybill and one page per order, in packing order."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from fahuo.fulfilment.tests.batch_helpers import APP_KEY, EBID, pdf_pages, pdf_text
from fahuo.fulfilment.tests.test_resume import SETUP_SCRIPT, _batch_row, _delayed, _wait_for
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.integrations.simserver import serve


def _holder_pid(db: Path, batch_id: int) -> int | None:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as con:
        (worker,) = con.execute(
            "select worker from fulfilment_printbatch where id = ?", (batch_id,)
        ).fetchone()
    pid = (worker or "").split(":")[1:2]
    return int(pid[0]) if pid and pid[0].isdigit() else None


@pytest.mark.slow
def test_killing_one_of_two_worker_processes_mid_batch_loses_nothing_and_issues_nothing_twice(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = {
        **os.environ,
        "FAHUO_DATA_DIR": str(data),
        "FAHUO_HUEY_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "fahuo.settings",
        "FAHUO_LOG_LEVEL": "WARNING",
        "FAHUO_RENDER_PART": "50",  # parts of 50 labels, so the other worker has parts to draw
    }
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL", "FAHUO_TEST_SQLITE"):
        env.pop(name, None)
    fahuo = str(Path(sys.executable).parent / "fahuo")
    db = data / "fahuo.sqlite3"

    def run(*args: str) -> str:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    sim = KdniaoSimulator.with_accounts({EBID: APP_KEY})
    with serve(_delayed(sim, 0.02)) as url:
        run(fahuo, "manage", "migrate", "-v", "0")
        run(fahuo, "demo", "--orders", "600", "--no-serve")
        made = json.loads(
            run(sys.executable, "-c", SETUP_SCRIPT, url, EBID, APP_KEY).strip().splitlines()[-1]
        )
        batch_id, total = made["batch"], made["total"]
        log = (tmp_path / "worker.log").open("wb")
        consumer = subprocess.Popen([fahuo, "worker", "--processes", "2"], env=env, stdout=log, stderr=log)
        try:
            _wait_for("the first chunk", lambda: _batch_row(db, batch_id)[1] >= 200, 120, [consumer])
            pid = _holder_pid(db, batch_id)
            assert pid is not None and pid != consumer.pid  # a worker process, not the consumer
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
            assert _batch_row(db, batch_id)[0] == "running"  # left behind by the dead process
            # Huey restarts the dead process; its start-up hook resumes the batch.
            _wait_for("the batch to finish", lambda: _batch_row(db, batch_id)[0] == "done", 240, [consumer])
        finally:
            consumer.send_signal(signal.SIGINT)
            try:
                consumer.wait(30)
            except subprocess.TimeoutExpired:
                consumer.kill()
                consumer.wait()

    status, issued, failed, total = _batch_row(db, batch_id)
    assert (status, issued, failed) == ("done", total, 0)
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        in_seq = con.execute(
            "select w.tracking_no from fulfilment_printbatchitem i join fulfilment_parcel p on p.order_id ="
            " i.order_id join fulfilment_waybill w on w.parcel_id = p.id where i.batch_id = ? order by i.seq",
            (batch_id,),
        ).fetchall()
        all_waybills = con.execute(
            "select count(*) from fulfilment_waybill where provider = 'kdniao'"
        ).fetchone()[0]
    numbers = [n for (n,) in in_seq]
    assert len(numbers) == len(set(numbers)) == total == all_waybills  # exactly one waybill each
    assert {str(x.order["LogisticCode"]) for x in sim._active.values()} == set(numbers)
    pdf = data / "output" / "batches" / f"batch-{batch_id}.pdf"
    assert pdf_pages(pdf) == total
    text = pdf_text(pdf)
    positions = [text.index(n) for n in numbers]
    assert positions == sorted(positions)  # one page per order, in packing order
    assert sorted(p.name for p in pdf.parent.iterdir()) == [pdf.name]  # no part files left
