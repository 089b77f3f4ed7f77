"""kit.hooks: a lower domain fires, a higher one listens, neither imports the other."""

from __future__ import annotations

from fahuo.kit.hooks import Hook


def test_every_connected_handler_hears_the_event_in_order() -> None:
    heard: list[tuple[str, int]] = []
    hook: Hook[[int]] = Hook("parcel moved")
    hook.connect(lambda n: heard.append(("first", n)))
    hook.connect(lambda n: heard.append(("second", n)))
    hook.fire(3)
    assert heard == [("first", 3), ("second", 3)]


def test_connecting_a_handler_twice_runs_it_once_and_it_can_leave() -> None:
    heard: list[int] = []
    hook: Hook[[int]] = Hook("alerts opened")

    def handler(n: int) -> None:
        heard.append(n)

    hook.connect(handler)
    hook.connect(handler)
    hook.fire(1)
    hook.disconnect(handler)
    hook.fire(2)
    assert heard == [1]


def test_firing_with_no_listener_does_nothing() -> None:
    Hook[[int]]("nobody listens").fire(1)
