"""抖店 (Douyin shop open platform) integration: ship-back of tracking numbers (发货回传).

mapper.py translates, client.py signs and posts, settings.py holds the shop's app credentials,
codes.py reads the platform's code/sub_code, simulator.py speaks the protocol offline.
See docs/integrations/douyin.md.
"""
