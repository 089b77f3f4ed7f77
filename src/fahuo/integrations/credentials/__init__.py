"""Provider credentials: one ``ProviderAccount`` per account at a provider (Kdniao, Kuaidi100, 抖店,
WeChat, a carrier's own API), its secrets encrypted at rest, and the two reads every connector needs
(``store.credentials_of`` and ``store.active_account``). Connector ``settings.py`` modules build their
plain settings from these; nothing here knows a provider.

The table is still ``carriers_provideraccount`` (the model moved here from ``carriers`` without
touching the data); ``fahuo.carriers.models.ProviderAccount`` is the same class."""
