"""The audit chain: rows edited, deleted or cut off by hand in PostgreSQL are found, and where."""

import asyncio

from sqlalchemy import text

from services.assessment.models import records as assessment_records
from services.common.audit import verify_chain


async def _audited_changes(gw, auth, n: int) -> None:
    officer = auth("kominfo_officer")
    for i in range(n):
        r = await gw.post("/api/v1/assessment/rubrics", headers=officer, json={
            "code": f"chain-{i}", "title": f"Rubric {i}", "components": [
                {"key": "overall", "name": "Overall", "kind": "panel", "weight": 100, "scale_min": 0,
                 "scale_max": 100}]})
        assert r.status_code == 201, r.text


async def _verification(gw, auth):
    r = await gw.get("/api/v1/assessment/audit/verification", headers=auth("kominfo_admin"))
    assert r.status_code == 200, r.text
    return r.json()


async def _rows(conn):
    return (await conn.execute(text("SELECT id, seq FROM assessment.audit_entry ORDER BY seq"))).all()


async def test_an_intact_chain_verifies_and_each_row_links_to_the_one_before(gw, auth, db):
    await _audited_changes(gw, auth, 4)
    check = await _verification(gw, auth)
    assert check["intact"] and check["first_break"] is None
    assert check["rows"] >= 4 and check["head_seq"] == (await _rows(db["assessment"]))[-1][1]
    trail = (await gw.get("/api/v1/assessment/audit", headers=auth("kominfo_admin"))).json()["items"]
    assert [e["seq"] for e in trail[:4]] == sorted((e["seq"] for e in trail[:4]), reverse=True)


async def test_an_edited_row_is_found(gw, auth, db):
    await _audited_changes(gw, auth, 3)
    rows = await _rows(db["assessment"])
    target_id, target_seq = rows[-2]
    await db["assessment"].execute(text("UPDATE assessment.audit_entry SET actor = 'someone-else' WHERE id = :id"),
                       {"id": target_id})
    fault = (await _verification(gw, auth))["first_break"]
    assert fault == {"seq": target_seq, "id": target_id, "problem": "its content was changed after it was written"}


async def test_a_row_edited_with_its_hash_recomputed_still_breaks_the_next_link(gw, auth, db):
    await _audited_changes(gw, auth, 3)
    rows = await _rows(db["assessment"])
    target_id, target_seq = rows[-2]
    await db["assessment"].execute(text(
        "UPDATE assessment.audit_entry SET reason = 'rewritten', row_hash = encode(sha256(convert_to("
        "assessment.audit_entry_canonical(seq, prev_hash, at, actor, action, entity, entity_id, before, after, "
        "'rewritten', request_id), 'UTF8')), 'hex') WHERE id = :id"), {"id": target_id})
    fault = (await _verification(gw, auth))["first_break"]
    assert fault["seq"] == target_seq + 1 and fault["problem"] == "it does not link to the row before it"


async def test_deleted_rows_are_found_in_the_middle_and_at_the_end(gw, auth, db):
    await _audited_changes(gw, auth, 4)
    rows = await _rows(db["assessment"])
    await db["assessment"].execute(text("DELETE FROM assessment.audit_entry WHERE id = :id"), {"id": rows[-3][0]})
    fault = (await _verification(gw, auth))["first_break"]
    assert fault["seq"] == rows[-3][1] and "missing" in fault["problem"]


async def test_rows_cut_off_at_the_end_are_found(gw, auth, db):
    await _audited_changes(gw, auth, 3)
    rows = await _rows(db["assessment"])
    await db["assessment"].execute(text("DELETE FROM assessment.audit_entry WHERE id = :id"), {"id": rows[-1][0]})
    fault = (await _verification(gw, auth))["first_break"]
    assert fault["seq"] == rows[-1][1] and "rows at the end are missing" in fault["problem"]


async def test_concurrent_writers_never_fork_the_chain(engine):
    """Twenty transactions on their own connections append at once; the chain stays one line."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from services.common.records import audit

    async def write(i: int) -> None:
        async with AsyncSession(engine) as session, session.begin():
            audit(session, assessment_records, actor="race-test", action="probe", entity="chain_probe",
                  entity_id=i)

    try:
        await asyncio.gather(*(write(i) for i in range(20)))
        async with AsyncSession(engine) as session:
            check = await verify_chain(session, assessment_records)
            seqs = (await session.execute(text(
                "SELECT seq FROM assessment.audit_entry WHERE entity = 'chain_probe' ORDER BY seq"))).scalars().all()
        assert check.intact, check.first_break
        assert len(seqs) == 20 and len(set(seqs)) == 20
    finally:  # these commits are real: take the probes out again, the chain head with them
        async with AsyncSession(engine) as session, session.begin():
            await session.execute(text("ALTER TABLE assessment.audit_entry DISABLE TRIGGER audit_chain_append"))
            await session.execute(text("DELETE FROM assessment.audit_entry WHERE entity = 'chain_probe'"))
            await session.execute(text("ALTER TABLE assessment.audit_entry ENABLE TRIGGER audit_chain_append"))
            await session.execute(text(
                "UPDATE assessment.audit_chain c SET seq = coalesce(l.seq, 0), head = coalesce(l.row_hash, "
                "repeat('0', 64)) FROM (SELECT max(seq) AS seq, (array_agg(row_hash ORDER BY seq DESC))[1] "
                "AS row_hash FROM assessment.audit_entry) l WHERE c.id = 1"))
