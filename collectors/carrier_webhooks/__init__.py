"""Carrier webhooks: pushed tracking events, verified at the door (tower/hooks.py), kept raw in
the webhook inbox, and mapped to carrier milestones by the collector process (worker.py).

    signature.py   HMAC-SHA256 verification per provider format (pure)
    mapping.py     EasyPost tracker events and the generic format -> milestones (pure)
    worker.py      the inbox job: map, ingest, dead letters
"""
