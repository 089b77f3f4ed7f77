"""Who is working a long job, and is that worker still alive? (import runs; print batches use the same idea)

A job records ``worker_id()`` (host:pid:thread) and beats a heartbeat as it goes. On this host the
worker's pid is checked; on another host the heartbeat's age decides. A job whose holder is gone can
be taken over and continued.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

LEASE = timedelta(minutes=5)  # a holder on another host is dead after this long without a heartbeat
PID_REUSE_GUARD = timedelta(hours=1)  # on this host: a pid that old may belong to another process


def worker_id() -> str:
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{threading.get_ident()}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child not yet reaped by its parent is a zombie: dead for our purpose
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in {"Z", "X"}


def holder_alive(worker: str, heartbeat_at: datetime | None, *, now: datetime | None = None) -> bool:
    """Is the worker that recorded ``worker`` (and last beat at ``heartbeat_at``) still at it?"""
    if not worker:
        return False
    now = now or timezone.now()
    fresh = heartbeat_at is not None and now - heartbeat_at < LEASE
    host, _, rest = worker.partition(":")
    pid_text, _, thread_text = rest.partition(":")
    if host != socket.gethostname()[:50] or not pid_text.isdigit():
        return fresh
    pid = int(pid_text)
    if pid == os.getpid():
        ident = int(thread_text) if thread_text.isdigit() else 0
        # This thread is not inside that run (it is asking), so the run it recorded is over.
        return ident != threading.get_ident() and any(t.ident == ident for t in threading.enumerate())
    recent = heartbeat_at is not None and now - heartbeat_at < PID_REUSE_GUARD
    return recent and pid_alive(pid)


def resume_once(resume: Callable[[], Any], what: str, log: logging.Logger) -> Callable[[], None]:
    """A worker start-up hook: ``resume`` (queue again the runs a killed worker left running) once per
    process, logging what it resumed; the thread's database connection is closed after."""
    lock = threading.Lock()
    done = threading.Event()

    def hook() -> None:
        with lock:
            if done.is_set():
                return
            done.set()
        try:
            resumed = resume()
            if resumed:
                log.warning("resuming interrupted %s: %s", what, resumed)
        finally:
            close_old_connections()

    return hook
