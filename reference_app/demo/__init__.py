"""The demo territory "Ternois": real communes around Saint-Pol-sur-Ternoise, invented shops.

``loader.load(database)`` fills an empty database through the core services (merchants,
catalogue, accounts, orders in every state); ``loader.print_accounts(echo)`` lists the demo
accounts. The data lives in ``data.py`` (territory, shops, people) and ``products.csv``
(the catalogue); the order scenarios in ``orders.py``. See ``docs/demo.md``.
"""
