"""Trace context goes from the gateway to the service it calls (W3C traceparent)."""

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def provider():
    # The global provider can be set once per process; the spans of other tests are simply not read.
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(tp)


async def test_service_span_is_a_child_of_the_gateway_span(gw):
    EXPORTER.clear()
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    r = await gw.get("/api/v1/regions/21.72", headers={"traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"})
    assert r.status_code == 200
    finished = EXPORTER.get_finished_spans()
    by_id = {s.context.span_id: s for s in finished}
    ours = {s.attributes["service"]: s for s in finished if "service" in s.attributes}
    gateway, regions = ours["gateway"], ours["regions"]
    assert format(gateway.context.trace_id, "032x") == caller_trace  # the caller's trace continues
    assert regions.context.trace_id == gateway.context.trace_id
    ancestors, span = [], regions
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        ancestors.append(span.context.span_id)
    assert gateway.context.span_id in ancestors  # the service's span hangs under the gateway's
    assert regions.attributes["http.route"] == "/api/v1/regions/{code}"
    # One server span per process: FastAPI's own telemetry, on whenever a provider is set, would add its own.
    assert sorted(s.attributes.get("service", s.name) for s in finished if s.kind == trace.SpanKind.SERVER) == [
        "gateway", "regions"]
