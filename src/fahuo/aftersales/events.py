"""Extension points after-sales offers higher domains (they connect in their ``AppConfig.ready``;
after-sales imports none of them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from fahuo.kit.hooks import Hook

# Links another domain adds under an order's kept evidence on the after-sale page (contracts: 发起理赔
# with the packing video/photos or the buyer's unboxing upload), called as
# ``handler(evidence=[Evidence, ...], user=)`` -> [{"label", "url"}] or [].
evidence_actions: Hook[...] = Hook("aftersales.evidence_actions")


def actions_for(*, evidence: Sequence[Any], user: Any) -> list[dict[str, str]]:
    """Every connected domain's links for this evidence (none without evidence)."""
    links: list[dict[str, str]] = []
    if evidence:
        for handler in evidence_actions.handlers:
            links += cast(list[dict[str, str]], handler(evidence=evidence, user=user) or [])
    return links
