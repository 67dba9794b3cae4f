"""The gateway's own rules, one problem `type` each."""

from __future__ import annotations

from services.common.errors import Conflict


class DeliveryInProgress(Conflict):
    slug, title = "delivery-in-progress", "The delivery is still being tried"
    title_id = "Pengiriman masih dicoba"
