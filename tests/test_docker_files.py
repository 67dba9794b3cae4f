"""No Docker engine runs here, so the container files are checked for what can be checked without one."""

import yaml

from smartcity.cli import build_parser
from smartcity.supervisor import PROCESSES

from .conftest import ROOT


def test_compose_runs_database_migration_and_every_process_in_order():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "migrate", *(p.name for p in PROCESSES)} <= set(services)
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in services["postgres"]
    for process in PROCESSES:
        spec = services[process.name]
        assert spec["command"] == ["serve", process.name]
        assert spec["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert spec["environment"]["DATABASE_URL"].startswith("postgresql://")
        # The command must be one the image's entrypoint understands.
        build_parser().parse_args(spec["command"])


def test_image_is_non_root_with_healthcheck_and_one_entrypoint():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "\nUSER smartcity\n" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert 'ENTRYPOINT ["smartcity"]' in dockerfile
    assert "SMARTCITY_MIGRATIONS_DIR=/app/migrations" in dockerfile and "COPY migrations" in dockerfile
