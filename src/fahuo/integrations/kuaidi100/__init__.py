"""Kuaidi100 (快递100) e-waybill v2: ``POST https://api.kuaidi100.com/label/order``.

``settings`` (credentials), ``mapper`` (payloads, pure), ``client`` (signing, HTTP, the adapter),
``codes`` (result codes), ``simulator`` (the same protocol offline). See docs/integrations/kuaidi100.md.
"""
