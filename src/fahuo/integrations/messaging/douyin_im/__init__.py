"""抖店 customer-service messages (IM) to the buyer of an order, over the 抖店 open API."""
