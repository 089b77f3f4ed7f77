"""One parcel status vocabulary: providers' code tables and the tracking tables speak the same one."""

from __future__ import annotations

from fahuo.integrations.kdniao.codes import TRACK_CODES as KDNIAO
from fahuo.integrations.kuaidi100.codes import TRACK_CODES as KUAIDI100
from fahuo.integrations.status import TrackStatus as Status
from fahuo.tracking.models import TrackStatus


def test_the_database_choices_are_exactly_the_shared_statuses() -> None:
    assert list(TrackStatus.values) == [s.value for s in Status]


def test_every_provider_code_maps_onto_a_shared_status() -> None:
    for table in (KDNIAO, KUAIDI100):
        assert {type(c.status) for c in table.values()} == {Status}
