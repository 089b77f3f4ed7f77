"""``fahuo live review SESSION --json``: the review figures as JSON, rates as fractions."""

from __future__ import annotations

import json
from typing import Any

from fahuo.cli import main
from fahuo.livestream.tests import helpers as h
from fahuo.livestream.tests.test_review import _seed


def test_review_json_has_fractions_per_carrier(shop: Any, capsys: Any) -> None:
    s = _seed(shop)
    assert main(["live", "review", str(s.pk), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["session"]["id"] == s.pk
    carriers = {c["code"]: c for c in out["24h"]["carriers"]}
    assert (carriers["ZTO"]["pickup_rate_24h"], carriers["ZTO"]["shipped_rate_48h"]) == (0.25, 0.5)
    for c in carriers.values():
        assert 0 <= c["pickup_rate_24h"] <= 1 and 0 <= c["shipped_rate_48h"] <= 1
    assert {"regions", "carriers", "advice"} <= set(out["7d"])


def test_latest_resolves_to_the_most_recent_finished_session(shop: Any, capsys: Any) -> None:
    _seed(shop)
    newer = h.session(
        shop,
        title="新场次",
        starts_at=h.T0 + h.dt.timedelta(days=1),
        ends_at=h.T0 + h.dt.timedelta(days=1, hours=2),
    )
    assert main(["live", "review", "latest", "--json", "--kind", "24h"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["session"]["id"] == newer.pk and "7d" not in out


def test_text_output_and_unknown_session(shop: Any, capsys: Any) -> None:
    s = _seed(shop)
    assert main(["live", "review", str(s.pk)]) == 0
    assert "pickup 24 h 40.0%" in capsys.readouterr().out
    assert main(["live", "review", "12345"]) == 2
