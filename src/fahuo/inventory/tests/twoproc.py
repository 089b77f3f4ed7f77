"""One side of the two-process stock test, run as ``python -m fahuo.inventory.tests.twoproc ROLE``.

``setup``: a warehouse, SKUs and stock; ``import``: orders arrive in small transactions;
``pack``: ready orders with reservations are packed (stock deducted) as they appear;
``check``: the invariants, printed as JSON.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fahuo.settings")


def main(role: str) -> int:
    import django

    django.setup()
    from django.db import transaction

    from fahuo.catalog.models import Sku
    from fahuo.inventory.models import Reservation, Stock
    from fahuo.inventory.reservations import ship_order
    from fahuo.inventory.services import import_stock
    from fahuo.inventory.tests.helpers import arrive, check_books
    from fahuo.orders.models import Order, OrderStatus, Shop

    if role == "setup":
        from fahuo.inventory.tests.helpers import warehouse

        Shop.objects.create(code="s", name="店")
        wh = warehouse("HZ")
        for code in ("A", "B"):
            Sku.objects.create(code=code, name=code)
        import_stock(fileobj=io.BytesIO(b"sku_code,quantity\nA,60\nB,40\n"), filename="s.csv", warehouse=wh)
        return 0
    if role == "import":
        shop = Shop.objects.get(code="s")
        for n in range(60):
            arrive(shop, [("A", 1 + n % 2), ("B", 1)] if n % 3 == 0 else [("A", 1)])
        return 0
    if role == "pack":
        packed, idle = 0, 0
        while idle < 40:
            with transaction.atomic():
                order = (
                    Order.objects.select_for_update()
                    .filter(status=OrderStatus.READY, reservations__state="open")
                    .order_by("pk")
                    .first()
                )
                if order is not None:
                    ship_order(order=order)
                    Order.objects.filter(pk=order.pk).update(status=OrderStatus.SHIPPED)
                    packed += 1
                    idle = 0
            if order is None:
                idle += 1
                time.sleep(0.05)
        print(json.dumps({"packed": packed}))
        return 0
    check_books()
    stock = {s.sku.code: (s.on_hand, s.reserved) for s in Stock.objects.select_related("sku")}
    print(
        json.dumps(
            {
                "stock": stock,
                "orders": Order.objects.count(),
                "short": Order.objects.filter(status=OrderStatus.NEEDS_REVIEW).count(),
                "shipped": Order.objects.filter(status=OrderStatus.SHIPPED).count(),
                "open": Reservation.objects.filter(state="open").count(),
                "shipped_a": sum(
                    Reservation.objects.filter(state="shipped", sku__code="A").values_list(
                        "quantity", flat=True
                    )
                ),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
