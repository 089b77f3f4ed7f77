"""Who and where: the six fields a parcel's sender or recipient is given by, shared by the address
parser (``kit.address.ParsedAddress``), the providers' waybill requests (``integrations.base.Party``)
and a checked recipient (``orders.services.Verification``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Addressee:
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
