"""A print batch's labels rendered in parts while its waybills are still being issued, then joined
into the batch's one PDF (one page per label, in seq order).

The job hands each recorded chunk's labels to :class:`PartRenderer`; every ``RENDER_PART`` labels
make a part, drawn by a process pool (``concurrent.futures.ProcessPoolExecutor``, pure reportlab:
no database, no settings) while the job goes on issuing. At the end the job passes the pages it
wants, in order; parts that match a run of them are reused, anything else (an order with several
parcels, items issued by an interrupted earlier run) is drawn then, and pypdfium2 joins the parts.

A job in a Huey process worker (a daemon process, which may not have children) puts its parts
on the queue instead (``render_part_task``: ids only, the worker that takes it loads the labels),
so the other ``fahuo worker --processes`` workers draw them; whatever nobody has taken when the job
ends it revokes and draws itself. A batch smaller than one part draws in the job's own process, as
everything does with ``FAHUO_RENDER_PROCESSES=0`` outside a process worker. See docs/burst.md.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fahuo.fulfilment.labels.build import PrintedLabel
    from fahuo.fulfilment.labels.render import LabelData

RENDER_PART = int(os.environ.get("FAHUO_RENDER_PART") or 1000)  # labels per part file
# The last labels of a run (less than a part) are shared among the pool's processes, in pieces of
# at least this many (every file embeds its fonts once).
TAIL_PIECE = 100

QueuePart = Callable[[str, list[int]], Any]
"""Put one part (its file path, its order ids) on the worker queue; returns the Huey result."""


def part_queue(*, batch_id: int, printed_at: str, size: str) -> QueuePart | None:
    """The queue for a job's parts when it runs in a Huey process worker; else None."""
    if not multiprocessing.current_process().daemon or os.environ.get("FAHUO_RENDER_QUEUE") == "0":
        return None
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return None
    from fahuo.fulfilment.tasks import render_part_task

    def put(path: str, order_ids: list[int]) -> Any:
        return render_part_task(batch_id, path, order_ids, printed_at, size)

    return put


def draw_queued_part(*, path: str, order_ids: list[int], printed_at: str, size: str) -> int | None:
    """A worker draws another worker's part from the database; None when there is nothing to do
    (the batch finished already, or an order's labels changed: the job draws those itself)."""
    from fahuo.fulfilment.labels.build import load_labels

    if not Path(path).parent.is_dir():
        return None
    printed = load_labels(order_ids=order_ids, printed_at=printed_at)
    if [p.order_id for p in printed] != list(order_ids):
        return None
    try:
        return render_part(path, [p.label for p in printed], size)
    except FileNotFoundError:  # the job finished (and removed its parts) meanwhile
        return None


def render_processes() -> int:
    """Processes drawing parts next to the job: FAHUO_RENDER_PROCESSES, else one per core; 0 where
    the job may not start processes (a daemon process, as Huey's process workers are)."""
    if multiprocessing.current_process().daemon:
        return 0
    configured = os.environ.get("FAHUO_RENDER_PROCESSES")
    return int(configured) if configured else (os.cpu_count() or 1)


_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def _shared_pool(processes: int) -> ProcessPoolExecutor:
    """One pool per process, shared by its jobs (worker threads); made again when it broke."""
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != processes or getattr(_pool, "_broken", False):
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # spawn: the children do not inherit the job's threads (HTTP sender, Huey workers) or
            # its database connections, and they are this process's own (their CPU time counts).
            context = multiprocessing.get_context("spawn")
            _pool, _pool_size = ProcessPoolExecutor(processes, mp_context=context), processes
        return _pool


def _pool_running(processes: int) -> bool:
    with _pool_lock:
        return _pool is not None and _pool_size == processes and not getattr(_pool, "_broken", False)


def render_part(path: str, labels: Sequence[LabelData], size: str) -> int:
    """Draw one part file (runs in a pool process); returns its pages."""
    from fahuo.fulfilment.labels.render import render_labels_to

    tmp = f"{path}.{os.getpid()}.tmp"
    pages = render_labels_to(tmp, labels, size=size)
    os.replace(tmp, path)
    return pages


@dataclass(slots=True)
class _Part:
    keys: tuple[tuple[int, int], ...]  # (order id, parcel id) of its pages, in order
    path: Path
    future: Future[int] | None = None  # in the pool
    queued: Any = None  # on the worker queue (a Huey result) ...
    data: list[LabelData] | None = None  # ... with its labels, to draw here if nobody took it


class PartRenderer:
    """The parts of one batch run, kept in ``directory`` (removed by :meth:`close`)."""

    def __init__(
        self,
        directory: Path,
        *,
        size: str,
        part: int = 0,
        processes: int | None = None,
        queue: QueuePart | None = None,
    ) -> None:
        self.directory, self.size, self.queue = directory, size, queue
        self.part = part or RENDER_PART
        self.processes = render_processes() if processes is None else processes
        self.parts: list[_Part] = []
        self._drawn = 0  # part files named so far
        self._buffer: list[PrintedLabel] = []
        shutil.rmtree(directory, ignore_errors=True)  # leftovers of an interrupted run
        directory.mkdir(parents=True, exist_ok=True)

    def add(self, labels: Sequence[PrintedLabel]) -> None:
        """Labels recorded by the job, in seq order; a full part goes to be drawn at once."""
        self._buffer.extend(labels)
        while len(self._buffer) >= self.part:
            self._submit(self._buffer[: self.part])
            del self._buffer[: self.part]

    def _pooled(self) -> bool:
        """Does this run draw in the pool? Yes once a part went there, or when the pool is running
        already (an earlier batch of this process); a run smaller than one part does not start
        processes, it draws in the job's own."""
        if self.processes <= 0:
            return False
        return any(p.future is not None for p in self.parts) or _pool_running(self.processes)

    def _pieces(self, n: int) -> list[slice]:
        """n pages as slices of at most a part, spread evenly over the pool's processes."""
        size = min(self.part, max(TAIL_PIECE, -(-n // self.processes)))
        return [slice(i, i + size) for i in range(0, n, size)]

    def _submit(self, labels: Sequence[PrintedLabel], *, background: bool = True) -> _Part:
        path = self.directory / f"part-{self._drawn:05d}.pdf"
        self._drawn += 1
        part = _Part(tuple((p.order_id, p.parcel_id) for p in labels), path)
        data = [p.label for p in labels]
        if background and self.processes > 0:
            part.future = _shared_pool(self.processes).submit(render_part, str(path), data, self.size)
        elif background and self.queue is not None:
            part.queued, part.data = self.queue(str(path), [k[0] for k in part.keys]), data
        else:
            render_part(str(path), data, self.size)
        self.parts.append(part)
        return part

    def write(self, labels: Sequence[PrintedLabel], target: Path) -> int:
        """Write the PDF of exactly these pages, in this order, to ``target`` (atomically); reuses
        the parts drawn so far where they match a run of the pages. Returns the page count."""
        done = {p.keys[0]: p for p in self.parts if p.keys}
        self._buffer = []
        plan: list[_Part] = []
        gap: list[PrintedLabel] = []
        i = 0
        while i < len(labels):
            part = done.get((labels[i].order_id, labels[i].parcel_id))
            keys = part and tuple((p.order_id, p.parcel_id) for p in labels[i : i + len(part.keys)])
            if part is not None and keys == part.keys:
                plan.extend(self._gap(gap))
                gap = []
                plan.append(part)
                i += len(part.keys)
            else:
                gap.append(labels[i])
                i += 1
        plan.extend(self._gap(gap))
        for part in reversed(plan):  # the queue's workers take parts from the front
            if part.queued is not None:
                self._collect(part)
        try:
            for part in plan:
                if part.future is not None:
                    part.future.result()
        except BrokenProcessPool:
            _forget_pool()
            raise
        files = [p.path for p in plan]
        tmp = target.with_suffix(".part")
        if len(files) == 1:
            os.replace(files[0], tmp)
        else:
            _join(files, tmp)
        os.replace(tmp, target)  # a reader never sees half a file
        return len(labels)

    def _collect(self, part: _Part) -> None:
        """A queued part: drawn by another worker, or revoked and drawn here."""
        try:
            pages = part.queued.get()  # None until a worker has drawn it
        except Exception:  # the task failed there: draw it here
            pages = None
        if pages is None or not part.path.exists():
            part.queued.revoke()
            render_part(str(part.path), part.data or [], self.size)
        part.queued = part.data = None

    def _gap(self, labels: list[PrintedLabel]) -> list[_Part]:
        """Pages no part holds, drawn now: in the pool when there are several parts' worth or the
        pool is at work for this run (spread over its processes), else here."""
        if not labels:
            return []
        if self.processes > 0 and (len(labels) > self.part or self._pooled()):
            return [self._submit(labels[piece]) for piece in self._pieces(len(labels))]
        return [
            self._submit(labels[i : i + self.part], background=False)
            for i in range(0, len(labels), self.part)
        ]

    def close(self) -> None:
        for part in self.parts:
            if part.future is not None:
                part.future.cancel()
            if part.queued is not None:
                part.queued.revoke()
        shutil.rmtree(self.directory, ignore_errors=True)


def _forget_pool() -> None:
    global _pool
    with _pool_lock:
        _pool = None


def _join(files: Sequence[Path], target: Path) -> None:
    """One PDF of the parts' pages, in order (pypdfium2 copies the pages; nothing is drawn again)."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    try:
        for path in files:
            src = pdfium.PdfDocument(str(path))
            try:
                out.import_pages(src)
            finally:
                src.close()
        out.save(str(target))
    finally:
        out.close()
