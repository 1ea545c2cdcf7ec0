"""Outbound notifications and digests: route the outbox's exception events by the policy, send
e-mail (SMTP) and signed webhooks with retries and back-off, make the daily team digests.

Run by the background (collector) process only (collectors/scheduler.py); the web process
never sends. See README "Notifications and digests".
"""
