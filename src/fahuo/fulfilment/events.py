"""Values higher domains provide to fulfilment at start-up (see :mod:`fahuo.kit.hooks`)."""

from __future__ import annotations

from collections.abc import Callable

from fahuo.kit.hooks import Provided

# The scan station's evidence recorder: ``packing_evidence_url(parcel_id)`` -> where the packing
# video/photos of that parcel are uploaded (after-sales keeps them); None: no recorder is shown.
packing_evidence_url: Provided[Callable[[int], str] | None] = Provided(
    "fulfilment.packing_evidence_url", None
)
