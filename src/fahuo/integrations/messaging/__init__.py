"""Buyer messaging channels: SMS through Kdniao, 抖店 IM, WeChat subscribe messages.

``base`` holds the one small protocol every channel implements; each provider package follows the
karrio shape (settings/mapper/client/codes/simulator). ``registry`` builds a channel for a shop.
"""
