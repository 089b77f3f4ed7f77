"""Cross-domain side effects without upward imports (in the spirit of polar's ``kit/hook.py``).

A lower domain declares a :class:`Hook` and fires it; a higher one connects a handler in its
``AppConfig.ready``. Tracking, for instance, fires ``parcel_status_changed`` and never imports notify,
which subscribes to it. Handlers run synchronously, in connection order, inside the caller's
transaction; one that wants to act after commit uses ``transaction.on_commit`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")


class Hook(Generic[P]):
    """A named event with typed arguments; ``fire`` calls every connected handler."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[P, object]] = []

    def connect(self, handler: Callable[P, object]) -> Callable[P, object]:
        """Subscribe ``handler`` (once: connecting it again changes nothing); usable as a decorator."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def disconnect(self, handler: Callable[P, object]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    @property
    def handlers(self) -> tuple[Callable[P, object], ...]:
        return tuple(self._handlers)

    def fire(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for handler in tuple(self._handlers):
            handler(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._handlers)} handler(s)>"


T = TypeVar("T")


class Provided(Generic[T]):
    """A value a higher domain provides at start-up (``AppConfig.ready``) for a lower one to read,
    e.g. which alert kinds have a buyer message; until provided, the default."""

    def __init__(self, name: str, default: T) -> None:
        self.name = name
        self._value = default

    def provide(self, value: T) -> None:
        self._value = value

    def get(self) -> T:
        return self._value

    def __repr__(self) -> str:
        return f"<Provided {self.name}: {self._value!r}>"
