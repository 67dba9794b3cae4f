"""The `smartcity` commands internal scripts use, against the real running stack."""

import csv
import json
import os
import subprocess

import httpx
import pytest
from jose import jwt

from tests.kit import ROOT, SECRETS_USED, smartcity_command

pytestmark = pytest.mark.xdist_group("stack")  # running_stack: one worker under pytest-xdist


def run(env, *args, extra_env=None):
    return subprocess.run(smartcity_command(*args), env={**env, **(extra_env or {})}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_export_regions(running_stack, tmp_path):
    base, env = running_stack
    out = tmp_path / "provinces.csv"
    r = run(env, "export-regions", "--api", base, "--level", "province", "--out", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 38 and rows[0]["code"] == "11"
    assert "KiB" in r.stderr  # progress


def test_import_indicator_all_or_nothing(running_stack, tmp_path):
    base, env = running_stack
    good = tmp_path / "population.csv"
    good.write_text("region_code,year,value,source\n"
                    "21.72,2023,227663,Dukcapil 2023\n21.71,2023,1256610,Dukcapil 2023\n")
    r = run(env, "import-indicator", "population", str(good), "--api", base, "--dev-role", "kemendagri")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["created"] + json.loads(r.stdout)["unchanged"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("region_code,year,value,source\n99.99,2023,1,x\n")
    r = run(env, "import-indicator", "population", str(bad), "--api", base, "--dev-role", "kemendagri")
    assert r.returncode == 1 and "row/1/region_code" in r.stderr
    r = run(env, "import-indicator", "population", str(good), "--api", base, "--dev-role", "bappenas")
    assert r.returncode == 1 and "refused (403)" in r.stderr
    r = run(env, "import-indicator", "population", str(good), "--api", "http://127.0.0.1:9", "--dev-role", "x")
    assert r.returncode == 3
    out = tmp_path / "population-export.csv"
    r = run(env, "export-indicator", "population", "--year", "2023", "--api", base, "--dev-role", "bappenas",
            "--out", str(out))
    assert r.returncode == 0
    assert {row["region_code"] for row in csv.DictReader(out.open())} >= {"21.71", "21.72"}
    # Excel's own files: Windows-1252, semicolons, a decimal comma the file cannot settle by itself.
    excel = tmp_path / "excel.csv"
    excel.write_bytes("region_code;year;value;source\n21.72;2025;228.000;Dukcapil \u2013 2025\n".encode("cp1252"))
    r = run(env, "import-indicator", "population", str(excel), "--api", base, "--dev-role", "kemendagri",
            "--charset", "windows-1252")
    assert r.returncode == 1 and "row/1/value" in r.stderr and "decimal" in r.stderr, r.stderr
    r = run(env, "import-indicator", "population", str(excel), "--api", base, "--dev-role", "kemendagri",
            "--charset", "windows-1252", "--decimal", "comma")
    assert r.returncode == 0 and json.loads(r.stdout)["created"] == 1, r.stderr
    r = run(env, "export-indicator", "population", "--year", "2025", "--decimal", "comma", "--api", base,
            "--dev-role", "bappenas", "--out", str(out))
    assert r.returncode == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf") and b";228000;" in out.read_bytes()


def test_create_user_and_client(running_stack):
    base, env = running_stack
    password = SECRETS_USED[0]
    r = run(env, "create-user", "walikota@tanjungpinangkota.go.id", "--full-name", "Admin Kota", "--organisation",
            "Pemerintah Kota Tanjung Pinang", "--role", "pemda", "--region", "21.72", "--api", base,
            "--dev-role", "kominfo_admin", extra_env={"SMARTCITY_NEW_PASSWORD": password})
    assert r.returncode == 0, r.stderr
    assert password not in r.stdout
    token = httpx.post(f"{base}/auth/token", data={"grant_type": "password", "username":
                                                   "walikota@tanjungpinangkota.go.id", "password": password})
    assert token.status_code == 200
    r = run(env, "create-client", "bappenas-krisna", "--name", "KRISNA", "--organisation", "Bappenas", "--role",
            "bappenas", "--api", base, "--dev-role", "kominfo_admin")
    assert r.returncode == 0 and json.loads(r.stdout)["client_secret"]
    r = run(env, "create-user", "x@y.go.id", "--full-name", "X", "--organisation", "Y", "--role", "pemda",
            "--api", base, "--dev-role", "kominfo_admin")
    assert r.returncode == 2  # no password given


def test_dev_tokens_for_distinct_assessors(running_stack):
    """Scripts act as several assessors of one role without creating accounts; each is told apart by the API."""
    base, env = running_stack
    tokens = [run(env, "dev-token", "assessor", "--sub", person).stdout.strip() for person in ("ui-1", "bppt-2")]
    subjects = [jwt.get_unverified_claims(t)["sub"] for t in tokens]
    assert subjects == ["dev:assessor:ui-1", "dev:assessor:bppt-2"]
    officer = run(env, "dev-token", "kominfo_officer").stdout.strip()
    made = httpx.post(f"{base}/api/v1/assessment/assessors", headers={"Authorization": f"Bearer {officer}"},
                      json={"user_sub": subjects[0], "name": "Penilai UI", "institution": "UI"})
    assert made.status_code == 201, made.text
    url = f"{base}/api/v1/assessment/assessors/{made.json()['id']}/conflicts"
    declared = [httpx.post(url, headers={"Authorization": f"Bearer {t}"},
                           json={"region_code": "21.72", "reason": "Pernah menjadi konsultan daerah ini"})
                for t in tokens]
    assert [r.status_code for r in declared] == [201, 404]  # only that assessor speaks for themself
    bad = run(env, "dev-token", "assessor", "--sub", "no spaces allowed")
    assert bad.returncode == 2 and "--sub" in bad.stderr


def test_dev_token_outside_a_checkout_refuses_in_one_line(tmp_path):
    r = run({**os.environ, "SMARTCITY_DATA_DIR": str(tmp_path / "elsewhere")}, "dev-token", "kominfo_admin")
    assert r.returncode == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1, r.stderr
    assert "no development keys" in r.stderr and not (tmp_path / "elsewhere").exists()


def test_login_as_a_client_and_renew_its_token(running_stack, tmp_path):
    base, env = running_stack
    created = run(env, "create-client", "kemendagri-cli", "--name", "Skrip Dukcapil", "--organisation", "Kemendagri",
                  "--role", "kemendagri", "--api", base, "--dev-role", "kominfo_admin")
    secret = json.loads(created.stdout)["client_secret"]
    config = {"SMARTCITY_CONFIG_DIR": str(tmp_path / "config")}
    wrong = run(env, "login", "kemendagri-cli", "--api", base,
                extra_env={**config, "SMARTCITY_CLIENT_SECRET": "not-the-secret"})
    assert wrong.returncode == 1 and "refused (401)" in wrong.stderr
    r = run(env, "login", "kemendagri-cli", "--api", base, extra_env={**config, "SMARTCITY_CLIENT_SECRET": secret})
    assert r.returncode == 0, r.stderr
    saved = tmp_path / "config" / "credentials.json"
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    good = tmp_path / "population.csv"
    good.write_text("region_code;year;value;source\n21.72;2033;230000;Dukcapil\n")
    r = run(env, "import-indicator", "population", str(good), "--api", base, extra_env=config)
    assert r.returncode == 0, r.stderr  # no token given: the saved client's
    stored = json.loads(saved.read_text())
    stored["expires_at"] = 0  # as if it had run out
    saved.write_text(json.dumps(stored))
    r = run(env, "import-indicator", "population", str(good), "--api", base, extra_env=config)
    assert r.returncode == 0, r.stderr
    assert json.loads(saved.read_text())["expires_at"] > 0  # renewed
    r = run(env, "export-regions", "--api", base, "--level", "province", "--out", str(tmp_path / "no" / "such.csv"),
            extra_env=config)
    assert r.returncode == 2 and r.stderr.startswith("error: cannot write") and "Traceback" not in r.stderr


def test_every_village_in_one_file_all_or_nothing(running_stack, tmp_path):
    """A village-level indicator: all 83,762 villages of the registry, through the CLI, the gateway and back."""
    from services.regions.importer import load_rows

    base, env = running_stack
    villages = [r[0] for r in load_rows() if r[1] == "village"]
    lines = ["region_code;year;value;source", *(f"{code};2035;{1000 + i % 900},5;Dukcapil desa 2035"
                                                for i, code in enumerate(villages))]
    good = tmp_path / "villages.csv"
    good.write_text("\n".join(lines) + "\n")
    r = run(env, "import-indicator", "population", str(good), "--api", base, "--dev-role", "kemendagri")
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout)["created"] == len(villages) == 83_762
    assert "KiB/s" in r.stderr and "100%" in r.stderr  # progress with its total
    print(r.stderr.strip().splitlines()[-1])
    bad = tmp_path / "villages-bad.csv"
    later = [line.replace(";2035;", ";2036;") for line in lines]
    bad.write_text("\n".join([*later[:-1], later[-1].replace(",5;", ",x;")]) + "\n")  # the last row is wrong
    r = run(env, "import-indicator", "population", str(bad), "--api", base, "--dev-role", "kemendagri")
    assert r.returncode == 1 and f"row/{len(villages)}/value" in r.stderr
    counted = httpx.get(f"{base}/api/v1/regions/indicators/population/values", params={"year": 2036, "limit": 1},
                        headers={"Authorization": f"Bearer {run(env, 'dev-token', 'kemendagri').stdout.strip()}"}
                        ).json()["total"]
    assert counted == 0  # one bad row: nothing of the file was written
