"""Imports run one way: stages from the top of a service down, services never into each other, nothing into tests."""

import ast
from pathlib import Path

import pytest

from tests.kit import ROOT

# Each service's stage packages, top first: a stage imports only stages below it.
STAGES = {
    "regions": [{"indicators", "heads"}, {"registry"}],
    "assessment": [{"scoring", "publication"}, {"round"}, {"selection"}, {"panel"}, {"rubric"}],
    "masterplan": [{"overview"}, {"progress"}, {"plan"}, {"programme"}, {"mou", "dimension"}],
}
SERVICES = ("regions", "assessment", "masterplan")


def _imports(path: Path) -> list[str]:
    """Every module a file imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return found


def _files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


@pytest.mark.parametrize("service", sorted(STAGES))
def test_stages_import_only_the_stages_below_them(service):
    layers = STAGES[service]
    rank = {stage: n for n, layer in enumerate(layers) for stage in layer}
    upward = []
    for stage, n in rank.items():
        for path in _files(f"services/{service}/{stage}"):
            for module in _imports(path):
                parts = module.split(".")
                if parts[:2] == ["services", service] and len(parts) > 2 and parts[2] in rank:
                    if parts[2] != stage and rank[parts[2]] <= n:
                        upward.append(f"{path.relative_to(ROOT)} imports {module}")
    assert upward == []


def test_services_and_the_gateway_do_not_import_each_other():
    crossing = []
    for owner in (*SERVICES, "gateway"):
        folder = f"services/{owner}" if owner in SERVICES else "gateway"
        for path in _files(folder):
            for module in _imports(path):
                parts = module.split(".")
                other = parts[1] if parts[0] == "services" and len(parts) > 1 else parts[0]
                if other in (*SERVICES, "gateway") and other != owner:
                    crossing.append(f"{path.relative_to(ROOT)} imports {module}")
    assert crossing == []


def test_nothing_outside_the_tests_imports_them():
    found = [f"{path.relative_to(ROOT)} imports {module}"
             for path in _files("services", "gateway", "smartcity", "bench")
             for module in _imports(path) if module.split(".")[0] == "tests"]
    assert found == []
