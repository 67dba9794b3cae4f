"""Signing and checking a delivery: HMAC-SHA256 over the timestamp and the body.

Each delivery is signed twice with the one secret: our own `X-Smartcity-Signature`, and the Standard
Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`), which stock libraries check
given `whsec_` + base64 of the secret (`standard_secret`, shown with the secret when subscribing).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Smartcity-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it and checks the age of t."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def standard_secret(secret: str) -> str:
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Standard Webhooks: `v1,<base64 HMAC-SHA256 of "<id>.<t>.<body>">`, keyed by the secret's bytes."""
    digest = hmac.new(secret.encode(), f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": "v1," + base64.b64encode(digest).decode()}


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (and what our tests do)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)
