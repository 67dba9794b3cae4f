"""OpenTelemetry traces: a server span per request, its context passed on to the services called.

Off by default (the API's no-op tracer still carries an incoming `traceparent` through). Set
OTEL_EXPORTER_OTLP_ENDPOINT (standard OpenTelemetry variable) to export spans over OTLP/HTTP.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from contextlib import nullcontext

from opentelemetry import propagate, trace
from opentelemetry.trace import INVALID_SPAN, SpanKind

tracer = trace.get_tracer("smartcity")
PROPAGATION_HEADERS = ("traceparent", "tracestate")
_RAW_HEADERS = tuple((name, name.encode()) for name in PROPAGATION_HEADERS)
_exporting = False


def configure_tracing(service: str) -> None:
    global _exporting
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return
    _exporting = True
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"smartcity-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def server_span(service: str, method: str, path: str, headers: dict[bytes, bytes]):  # type: ignore[no-untyped-def]
    carrier = {name: headers[raw].decode("latin-1") for name, raw in _RAW_HEADERS if raw in headers}
    if not carrier and not _exporting:  # nothing to record and no trace to carry on: the no-op span, for free
        return nullcontext(INVALID_SPAN)
    return tracer.start_as_current_span(f"{method} {path}", context=propagate.extract(carrier),
                                        kind=SpanKind.SERVER, attributes={"service": service,
                                                                          "http.request.method": method})


def inject(headers: MutableMapping[str, str]) -> None:
    """Pass the current trace on to the next service (replacing whatever the caller sent)."""
    for name in PROPAGATION_HEADERS:
        headers.pop(name, None)
    if trace.get_current_span() is INVALID_SPAN:
        return  # no trace to carry on (the propagators would write nothing): the usual call, for free
    propagate.inject(headers)
