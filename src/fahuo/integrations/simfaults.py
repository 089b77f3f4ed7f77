"""The fault knobs every provider simulator shares, so tests script failures the same way everywhere.

``SimFaults`` is a dataclass mixin (its fields are keyword-only, after the simulator's own):

* ``fail_next(n, status)`` — the next n HTTP requests answer a bare ``status`` (503 by default)
  before anything else is looked at; the simulator asks ``take_failure()`` at the top of its app;
* ``slow_next(n, seconds)`` — the next n HTTP requests wait ``seconds`` first (timeouts, progress);
* ``arm(knob, n, value)`` / ``take(knob)`` — a named queue of scripted answers for the provider's own
  error codes: ``rate_limit_next`` and ``busy_next`` (every simulator: 抖店, WeChat, Kdniao and its
  SMS, Kuaidi100), ``refuse_next_query`` (Kdniao, Kuaidi100) are one line each on top of it.

``_lock`` is re-entrant: a knob may be taken while the simulator already holds the lock."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimFaults:
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, kw_only=True)
    _fail_statuses: list[int] = field(default_factory=list, repr=False, kw_only=True)
    _delays: list[float] = field(default_factory=list, repr=False, kw_only=True)
    _armed: dict[str, list[Any]] = field(default_factory=dict, repr=False, kw_only=True)

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """The next ``count`` HTTP requests answer ``status`` without being processed."""
        with self._lock:
            self._fail_statuses.extend([status] * count)

    def slow_next(self, count: int = 1, seconds: float = 1.0) -> None:
        """The next ``count`` HTTP requests wait ``seconds`` before they are answered."""
        with self._lock:
            self._delays.extend([seconds] * count)

    def take_failure(self) -> int | None:
        """For one incoming request: wait if it is scripted slow; the HTTP status to fail it with."""
        with self._lock:
            delay = self._delays.pop(0) if self._delays else 0.0
            status = self._fail_statuses.pop(0) if self._fail_statuses else None
        if delay:
            time.sleep(delay)
        return status

    def arm(self, knob: str, count: int = 1, value: Any = True) -> None:
        """The next ``count`` times the simulator asks for ``knob`` it gets ``value``."""
        with self._lock:
            self._armed.setdefault(knob, []).extend([value] * count)

    def take(self, knob: str) -> Any:
        """The next scripted value of ``knob`` (None when nothing is armed)."""
        with self._lock:
            queue = self._armed.get(knob)
            return queue.pop(0) if queue else None

    def rate_limit_next(self, count: int = 1) -> None:
        """The next ``count`` API calls are refused as rate limited (the provider's own code)."""
        self.arm("rate_limit", count)

    def busy_next(self, count: int = 1) -> None:
        """The next ``count`` API calls are refused as "system busy" (the provider's own code)."""
        self.arm("busy", count)
