"""Ship-back (发货回传): waybill numbers back to the shop platform, and when an order counts as shipped."""
