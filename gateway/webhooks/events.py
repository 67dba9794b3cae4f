"""How an event reaches a partner: the delivery envelope and its signature headers, per event type.

The event types and what each one's `data` holds are the services' own (each lists them in its spec under
`x-event-types`); the merged spec's `webhooks` section wraps each in the envelope every delivery has.
"""

from __future__ import annotations

from typing import Any

SIGNATURE_HEADERS = [
    {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "The event's id, the same on every retry (Standard Webhooks)"},
    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "Unix seconds when this attempt was signed"},
    {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "`v1,<base64 HMAC-SHA256 of \"<id>.<timestamp>.<body>\">`; check it with a Standard Webhooks "
                    "library and the subscription's `standard_webhooks_secret`"},
    {"name": "X-Smartcity-Signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "`t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">` with the subscription's `secret`"},
]


def webhooks_section(event_types: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """OpenAPI 3.1 `webhooks`: one POST per event type, its body the delivery envelope around that event's data."""
    out = {}
    for name, described in sorted(event_types.items()):
        out[name] = {"post": {
            "operationId": f"webhooks_{name.replace('.', '_')}_deliver", "tags": ["webhooks"],
            "summary": described["summary"],
            "parameters": SIGNATURE_HEADERS,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["id", "type", "subject", "created_at", "data"],
                "properties": {
                    "id": {"type": "string", "examples": ["regions:42"],
                           "description": "Unique per event: de-duplicate by it"},
                    "type": {"type": "string", "const": name},
                    "subject": {"type": "string", "description": "What the event is about, e.g. a region code"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "data": described["payload"]}}}}},
            "responses": {"2XX": {"description": "Received; any other answer (or none in 5 s) is retried with "
                                                 "exponential backoff for 24 hours"}}}}
    return out
