"""Kdniao (快递鸟) e-waybill integration: issue (RequestType 1007) and cancel (1147).

mapper.py translates, client.py signs and posts, settings.py holds the account, codes.py reads
ResultCodes, simulator.py speaks the protocol offline. See docs/integrations/kdniao.md.
"""
