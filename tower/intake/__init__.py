"""What the webhook endpoint (tower/hooks.py) and the collector process (collectors/edi,
collectors/carrier_webhooks) both need to know about pushed B2B input, and nothing else:

    signatures.py   who may push: HMAC-SHA256 per provider format (pure)
    events.py       the provider's event id (the dedupe key) and the text of an EDI upload (pure)

A leaf: it imports only the standard library, so the web side and the collector side may both
import it without importing each other.
"""
