"""The WMS client: the shared HTTP base (bearer auth, cursor paging, retries, error classes)
pointed at the WMS's endpoint. Knows no database."""

from __future__ import annotations

from collectors.http import SourceClient


class WmsClient(SourceClient):
    source = "wms"

    def health(self) -> dict:
        """The service's health document (no auth needed; 503 during an outage)."""
        return self.get_json("/health")
