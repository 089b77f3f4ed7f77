"""Fulfilment: parcels and their e-waybills (``services``, ``providers``), and the floor work around them —
``labels/`` (drawing, audit, voids, platform-printed labels), ``batches/`` (波次), ``packing/`` (验货, slips),
``shipback/`` (发货回传). One Django app (label ``fulfilment``): models, migrations and templates stay here."""
