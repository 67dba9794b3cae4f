"""`smartcity verify-results`: check a published selection without trusting whoever runs the API.

1. The signature: the JWS is checked against the published JWKS (the key named by its `kid`, which may be
   a key rotated out since), with ES256 only.
2. The inputs: the published inputs document must have the SHA-256 the signed result names.
3. The ranking: the inputs are scored, ranked and selected again with the same pure functions the service
   uses; every region's rank, total and decision (in an evaluation, its index, ranks and change), and the
   result hash, must equal the signed ones.
4. The certificate, where the round tests its decisions: recomputed from the inputs (same seed, same draws), it
   must equal the signed one, and every fragile decision must carry the committee's review.
5. The version: which one the file is and, given the published list (`--versions`), whether it is current or
   was superseded after appeals (a superseded version still verifies with its own inputs).

Exit codes: 0 all hold; 4 one does not (what differs is printed); 2 the files cannot be read.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import httpx
from jose import jws
from jose.exceptions import JOSEError

from services.assessment.selection import calculation, robustness

from .api_commands import BROKEN, USAGE

ALGORITHMS = ["ES256"]


class Unreadable(Exception):
    pass


def _load(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        try:
            resp = httpx.get(source, timeout=30, follow_redirects=False)
            resp.raise_for_status()
        except httpx.HTTPError as exc:
            raise Unreadable(f"{source}: {exc}") from None
        return resp.content
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise Unreadable(f"{source}: {exc.strerror}") from None


def signed_payload(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The verified payload and the key id; JOSEError when the signature does not hold."""
    kid = jws.get_unverified_header(token).get("kid")
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if key is None:
        raise JOSEError(f"no key {kid!r} in the JWKS")
    public = {k: v for k, v in key.items() if k != "retired_at"}
    return json.loads(jws.verify(token, public, algorithms=ALGORITHMS)), str(kid)


def differences(signed: dict[str, Any], inputs: dict[str, Any]) -> list[str]:
    """What the inputs, scored again, do not reproduce of the signed result (empty: everything)."""
    found = []
    if calculation.content_hash(inputs) != signed["inputs_digest"]:
        found.append("the inputs are not those the result was computed from (their SHA-256 differs from "
                     "inputs_digest)")
    results, _ = calculation.compute(inputs)
    recomputed = {r.region_code: r for r in results}
    for item in signed["items"]:
        mine = recomputed.get(item["region_code"])
        if mine is None:
            found.append(f"{item['region_code']}: in the signed result, not among the inputs' regions")
            continue
        for field in ("rank", "total", "selected"):
            if getattr(mine, field) != item[field]:
                found.append(f"{item['region_code']} {item['region_name']}: {field} {item[field]} signed, "
                             f"{getattr(mine, field)} recomputed")
        figures = mine.evaluation.model_dump(mode="json") if mine.evaluation else None
        if figures != item.get("evaluation"):
            found.append(f"{item['region_code']} {item['region_name']}: evaluation figures differ from the "
                         "signed ones")
    if calculation.calibration_of(inputs) != signed.get("calibration"):
        found.append("the recomputed calibration of the assessors differs from the signed one")
    found += _certificate_differences(signed.get("certificate"), inputs, calculation.dump(results))
    if calculation.hash_of(inputs, calculation.dump(results)) != signed["result_hash"]:
        found.append("the recomputed result hash differs from result_hash")
    return found


def _certificate_differences(signed: dict[str, Any] | None, inputs: dict[str, Any],
                             dumped: list[dict[str, Any]]) -> list[str]:
    mine = robustness.certificate_of(inputs, dumped)
    if signed is None or mine is None:
        return [] if signed is mine else ["the signed result and its inputs disagree on whether decisions are tested"]
    found = []
    theirs = {k: v for k, v in signed.items() if k != "reviews"}
    if mine != theirs:
        by_code = {r["region_code"]: r for r in theirs.get("regions", [])}
        changed = [r["region_code"] for r in mine["regions"] if by_code.get(r["region_code"]) != r]
        found.append("the recomputed robustness certificate differs from the signed one"
                     + (f" for {', '.join(changed[:10])}" if changed else ""))
    reviewed = {r["region_code"] for r in signed.get("reviews", [])}
    found += [f"{code}: a fragile decision without the committee's review" for code in mine["fragile"]
              if code not in reviewed]
    return found


def standing(token: str, signed: dict[str, Any], versions: list[dict[str, Any]] | None) -> str:
    """Which version the file is, and, given the published list of versions, whether it is the current one."""
    version = signed.get("version", 1)
    said = f"version {version}"
    if signed.get("supersedes"):
        said += f", superseding version {signed['supersedes']['version']} ({signed['supersedes']['jws_sha256'][:16]}…)"
    if versions is None:
        return said
    digest = hashlib.sha256(token.encode()).hexdigest()
    mine = next((v for v in versions if v.get("jws_sha256") == digest), None)
    current = next((v["version"] for v in versions if v.get("current")), None)
    if mine is None:
        return said + ": NOT among the published versions"
    if mine.get("current"):
        return said + f": the current version (of {len(versions)})"
    return said + f": SUPERSEDED on {mine.get('superseded_at')}; the current one is version {current}"


def main(file: str, jwks_source: str, inputs_source: str, versions_source: str | None = None) -> int:
    try:
        token = _load(file).decode().strip()
        jwks = json.loads(_load(jwks_source))
        inputs = json.loads(_load(inputs_source))
        versions = json.loads(_load(versions_source)) if versions_source else None
    except (Unreadable, UnicodeDecodeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    try:
        payload, kid = signed_payload(token, jwks)
    except (JOSEError, ValueError) as exc:
        print(f"signature  NOT VALID: {exc}")
        return BROKEN
    signed = payload["results"]
    print(f"signature  valid (ES256, key {kid}), round {signed['round_id']} {signed['title']!r}, "
          f"published {signed['published_at']}")
    print(f"version    {standing(token, signed, versions)}")
    found = differences(signed, inputs)
    if found:
        print(f"recomputed DIFFERS in {len(found)} point(s):")
        for line in found[:50]:
            print(f"  - {line}")
        return BROKEN
    selected = sum(1 for i in signed["items"] if i["selected"])
    ranked = sum(1 for i in signed["items"] if i["rank"] is not None)
    print(f"inputs     match inputs_digest {signed['inputs_digest'][:16]}…")
    print(f"recomputed {ranked} regions ranked, {selected} selected: identical to the signed result "
          f"(result_hash {signed['result_hash'][:16]}…)")
    if signed.get("certificate"):
        certificate = signed["certificate"]
        print(f"certificate {len(certificate['regions'])} decisions tested ({certificate['resamples']} resamples, "
              f"seed {certificate['rule']['seed']}), {len(certificate['fragile'])} fragile, each reviewed: "
              "identical to the signed certificate")
    return 0
