"""Assessment benchmark: aggregate and select a 514-region round, 5 assessors, 10 panel components.

    .venv/bin/python bench/assessment.py         (embedded PostgreSQL, or DATABASE_URL's server)

BENCH_ASSESSORS=10 or 20 grows the panel; BENCH_PROFILE=1 prints where compute and finalise spend their time.

Times, on a real database: reading every input (gather), computing scores, ranking and selection
(compute), the assessors' calibration alone (calibrate) and the computation under that rule (compute+cal), the
robustness certificate with 1,000 resamples (certificate: every assessor scores every region here), a solver's panels
for the 514 regions over 10 slots in 4 days (assign), the certificate again with only each region's proposed panel
of two or three counted (cert/panels), and finalising (gather + compute + writing 514 frozen results and the content
hash); then the publication: signing the result (JWS), verifying it offline (signature, inputs digest,
recomputation) and rendering the minutes PDF.
"""

from __future__ import annotations

import asyncio
import cProfile
import hashlib
import os
import pstats
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from harness import database
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from gateway.keys import ensure_dev_keys
from services.assessment.models import (
    Assessor,
    Hearing,
    Invitation,
    PanelMember,
    Round,
    Rubric,
    RubricComponent,
    Score,
    SessionRegion,
    Submission,
)
from services.assessment.panel import assignment
from services.assessment.publication.minutes import render_minutes
from services.assessment.publication.service import RESULTS_TYPE
from services.assessment.selection import calculation, robustness, service
from services.common.db import async_url
from services.common.runtime import tune_collector
from services.common.settings import Settings
from services.regions.importer import ISLAND_GROUP_BY_PROVINCE, load_rows
from smartcity import migrate, verify

COMPONENTS = 10
ASSESSORS = int(os.environ.get("BENCH_ASSESSORS", "5"))
PROFILE = bool(os.environ.get("BENCH_PROFILE"))
CALIBRATION = {"model": "standardise", "shrinkage": 10}
ROBUSTNESS = {"resamples": 1000, "seed": 2019, "weight_band": 1.0, "margin": 1.0}
INSTITUTIONS = ("UI", "ITB", "UGM")
WIB = timezone(timedelta(hours=7))


async def run(url: str) -> None:
    tune_collector()  # as each service process does once it has started
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    regencies = [r for r in load_rows() if r[1] == "regency"]
    rng = random.Random(2019)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        rubric = Rubric(code="bench", version=1, title="Bench", created_by="bench", components=[
            RubricComponent(position=i, key=f"c{i}", name=f"C{i}", kind="panel", weight=10, scale_min=1, scale_max=5)
            for i in range(COMPONENTS)])
        session.add(rubric)
        await session.flush()
        round_ = Round(year=2019, title="Bench", quota=100, starts_on=date(2019, 2, 21), ends_on=date(2019, 2, 22),
                       venue="Pustiknas", rubric_id=rubric.id, created_by="bench", state="moderating",
                       equity_rules={"min_per_island_group": {"papua": 3, "maluku": 2}, "max_per_province": 6})
        session.add(round_)
        await session.flush()
        await session.execute(insert(Invitation), [
            {"round_id": round_.id, "region_code": r[0], "region_code_today": r[0], "region_name": r[4],
             "province_code": r[3], "island_group": ISLAND_GROUP_BY_PROVINCE[r[3]], "status": "accepted",
             "attended": True}
            for r in regencies])
        await session.execute(insert(Assessor), [
            {"user_sub": f"bench:{a}", "name": f"A{a}", "institution": "UI"} for a in range(ASSESSORS)])
        assessor_ids = list(range(1, ASSESSORS + 1))
        # One panel of every assessor hears every region, as finalising checks that no score is owed.
        hearing = Hearing(round_id=round_.id, name="Panel", venue="Pustiknas",
                                 starts_at=datetime(2019, 2, 21, 8, tzinfo=UTC),
                                 ends_at=datetime(2019, 2, 22, 17, tzinfo=UTC))
        session.add(hearing)
        await session.flush()
        await session.execute(insert(PanelMember), [{"session_id": hearing.id, "assessor_id": a} for a in assessor_ids])
        await session.execute(insert(SessionRegion), [{"session_id": hearing.id, "region_code": r[0],
                                                       "round_id": round_.id} for r in regencies])
        scores, submissions = [], []
        for r in regencies:
            base = 1 + int(hashlib.sha256(r[0].encode()).hexdigest(), 16) % 400 / 100
            for a in assessor_ids:
                submissions.append({"round_id": round_.id, "assessor_id": a, "region_code": r[0]})
                for c in range(COMPONENTS):
                    value = min(5.0, max(1.0, base + rng.uniform(-0.5, 0.5)))
                    scores.append({"round_id": round_.id, "assessor_id": a, "region_code": r[0],
                                   "component_key": f"c{c}", "value": round(value, 2)})
        await session.execute(insert(Score), scores)
        await session.execute(insert(Submission), submissions)
        await session.commit()
        print(f"round: {len(regencies)} regions, {ASSESSORS} assessors, {COMPONENTS} components, "
              f"{len(scores):,} scores")

        timings: dict[str, list[float]] = {"gather": [], "compute": [], "calibrate": [], "compute+cal": [],
                                           "certificate": [], "assign": [], "cert/panels": [], "finalise": []}
        hashes = set()
        for _ in range(5):
            t = time.perf_counter()
            inputs = await service.gather_inputs(session, round_)
            timings["gather"].append(time.perf_counter() - t)
            t = time.perf_counter()
            results, alpha = calculation.compute(inputs)
            timings["compute"].append(time.perf_counter() - t)
            hashes.add(calculation.hash_of(inputs, calculation.dump(results)))
            # The same round under the calibration rule: the parameters alone, then the whole computation.
            calibrating = {**inputs, "round": {**inputs["round"], "calibration": CALIBRATION}}
            t = time.perf_counter()
            calculation.calibration_of(calibrating)
            timings["calibrate"].append(time.perf_counter() - t)
            t = time.perf_counter()
            calculation.compute(calibrating)
            timings["compute+cal"].append(time.perf_counter() - t)
            testing = {**calibrating, "round": {**calibrating["round"], "robustness": ROBUSTNESS}}
            t = time.perf_counter()
            certificate = robustness.certificate_of(testing)
            timings["certificate"].append(time.perf_counter() - t)
            t = time.perf_counter()
            proposal = assign(regencies)
            timings["assign"].append(time.perf_counter() - t)
            # As the programme hears regions: only the scores of each region's proposed panel of two or three.
            panel_of = {code: proposal.panels[s] for s, codes in proposal.regions.items() for code in codes}
            paneled = {**testing, "scores": [row for row in testing["scores"] if row[2] in panel_of[row[0]]]}
            t = time.perf_counter()
            robustness.certificate_of(paneled)
            timings["cert/panels"].append(time.perf_counter() - t)
        round_id = round_.id
        for _ in range(3):
            round_ = await session.get(Round, round_id)
            t = time.perf_counter()
            await service.freeze(session, round_)
            await session.flush()
            timings["finalise"].append(time.perf_counter() - t)
            await session.rollback()
        if PROFILE:
            for label in ("compute", "finalise"):
                round_ = await session.get(Round, round_id)
                profile = cProfile.Profile()
                profile.enable()
                outcome = calculation.compute(inputs) if label == "compute" else service.freeze(session, round_)
                if asyncio.iscoroutine(outcome):
                    await outcome
                    await session.flush()
                profile.disable()
                await session.rollback()
                print(f"\nprofile of {label} (cumulative, top 15)")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(15)
        await publication(session, round_id, timings)
        for name, values in timings.items():
            values.sort()
            print(f"{name:<11} median {values[len(values) // 2] * 1000:8.1f} ms   best {values[0] * 1000:8.1f} ms   "
                  f"(all: {', '.join(f'{v * 1000:.0f}' for v in values)})")
        print(f"certificate: {len(certificate['fragile'])} fragile of {len(certificate['regions'])} "
              f"(equity rules: island-group minimums and a province cap, applied in every resample); panels: "
              f"{len(proposal.panels)} sessions, regions per assessor {min(proposal.load.values())}-"
              f"{max(proposal.load.values())}")
        print(f"selected {sum(r.selected for r in results)} of {len(results)}; alpha {alpha:.3f}; "
              f"identical hash over 5 runs: {len(hashes) == 1}; hash {min(hashes)[:16]}…")
    await engine.dispose()


def assign(regencies: list) -> assignment.Proposal:
    """The bench's assessors from three institutions, each from a home province its regions may not be heard by,
    over 10 slots in 4 days (3, 3, 2 and 2 rooms), panels of 2 to 3 from 2 institutions."""
    provinces = sorted({r[3] for r in regencies})
    members = [assignment.Member(a + 1, f"A{a}", INSTITUTIONS[a % 3], provinces[a * 7 % len(provinces)])
               for a in range(ASSESSORS)]
    slots = [assignment.Slot(f"Hari {day + 1} ruang {room + 1}", "Pustiknas",
                             datetime(2019, 2, 18 + day, 8, tzinfo=WIB),
                             datetime(2019, 2, 18 + day, 17, tzinfo=WIB), 60)
             for day, rooms in enumerate((3, 3, 2, 2)) for room in range(rooms)]
    regions = [assignment.Region(r[0], r[4], r[3]) for r in regencies]
    conflicts = {(m.id, r.code): [f"home province {r.province}"] for m in members for r in regions
                 if m.home_province == r.province}
    return assignment.propose(regions, members, slots, assignment.Rules(2, 3, 2), conflicts, seed=2019)


async def publication(session: AsyncSession, round_id: int, timings: dict[str, list[float]]) -> None:
    """Sign the published result, verify it offline (signature, inputs, recomputation) and render the minutes."""
    round_ = await session.get(Round, round_id)
    await service.freeze(session, round_)
    round_.state, round_.published_at = "published", datetime.now(UTC)
    await service.publish(session, round_)
    document = (await service.public_results(session, round_id)).model_dump(mode="json")
    inputs = await service.public_inputs(session, round_id)
    await session.rollback()
    with tempfile.TemporaryDirectory() as keys:
        ring = ensure_dev_keys(Settings(env="test", data_dir=Path(keys)))
        for _ in range(3):
            t = time.perf_counter()
            token = ring.sign_document({"results": document}, RESULTS_TYPE)
            timings.setdefault("sign", []).append(time.perf_counter() - t)
            t = time.perf_counter()
            payload, _ = verify.signed_payload(token, ring.jwks())
            assert verify.differences(payload["results"], inputs) == []
            timings.setdefault("verify", []).append(time.perf_counter() - t)
            t = time.perf_counter()
            pdf = render_minutes(document, jws_digest=hashlib.sha256(token.encode()).hexdigest(), kid=ring.current.kid,
                                 verify_url="https://example.invalid/signed-results")
            timings.setdefault("minutes", []).append(time.perf_counter() - t)
    print(f"signed document {len(token) / 1024:,.0f} KiB; minutes {len(pdf) / 1024:,.0f} KiB")


def main() -> None:
    with database("smartcity_bench_assessment") as url:
        migrate.upgrade(url, ("assessment",))
        asyncio.run(run(url))


if __name__ == "__main__":
    main()
