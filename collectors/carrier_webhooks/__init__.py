"""Carrier webhooks: pushed tracking events, verified at the door (tower/hooks.py, with tower/intake/signatures.py), kept raw in
the webhook inbox, and mapped to carrier milestones by the collector process (worker.py).

    mapping.py     EasyPost tracker events and the generic format -> milestones (pure)
    worker.py      the inbox job: map, ingest, dead letters
"""
