"""Load the shipped code lists (2016-2025) and the legal acts that changed codes between them.

Every code of every list is kept with the code the same region has today; every change is kept with the date
it took effect: a rename or a new province by its act, a new code by the first list that gave it (or, where
that list's date is not established, by its act).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import CodeChange, CodeList, CodeListEntry

HISTORY_DIR = Path(__file__).parent.parent / "data" / "history"


def _rows(name: str) -> list[dict[str, str]]:
    with (HISTORY_DIR / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def enacted(legal_basis: str) -> date:
    """The act's date, which the shipped file writes last: "UU No. 14 Tahun 2022 (...), 25 Jul 2022"."""
    return datetime.strptime(legal_basis.rsplit(", ", 1)[1], "%d %b %Y").date()


@dataclass(frozen=True)
class Change:
    level: str
    old_code: str
    new_code: str
    change: str
    legal_basis: str
    list_before: str
    list_after: str
    name_old: str
    name_new: str


def code_lists() -> list[dict[str, Any]]:
    out = []
    for r in _rows("snapshots.csv"):
        known = len(r["regulation_date"]) == 10
        out.append({"label": r["snapshot"], "regulation": r["regulation"],
                    "regulation_date": date.fromisoformat(r["regulation_date"]) if known else None,
                    "regulation_year": int(r["regulation_date"][:4]),
                    "source": f"{r['source_repo']} {r['source_path']} at {r['source_commit'][:12]} (MIT)"})
    return out


def changes() -> list[Change]:
    return [Change(r["level"], r["old_code"], r["new_code"], r["change"], r["legal_basis"], r["snapshot_before"],
                   r["snapshot_after"], r["name_old"], r["name_new"]) for r in _rows("code_changes.csv")]


def today_code(code: str, list_label: str, renumbered: list[Change]) -> str:
    """The code the region that `code` named in list `list_label` has today, following renumberings in order."""
    for c in sorted(renumbered, key=lambda c: c.list_after):
        if c.old_code == code and list_label <= c.list_before:
            code, list_label = c.new_code, c.list_after
    return code


async def import_history(conn: AsyncConnection) -> int:
    """Replace the lists and changes with the shipped ones; inside the caller's transaction."""
    lists = code_lists()
    dated = {str(x["label"]): x["regulation_date"] for x in lists}
    all_changes = changes()
    renumbered = [c for c in all_changes if c.change == "renumbered"]
    await conn.execute(delete(CodeChange))
    await conn.execute(delete(CodeListEntry))
    await conn.execute(delete(CodeList))
    await conn.execute(insert(CodeList), lists)
    entries = []
    for x in lists:
        label = str(x["label"])
        for r in _rows(f"provinces_{label}.csv"):
            entries.append({"list_label": label, "code": r["code"], "level": "province", "name": r["name"],
                            "parent_code": None, "region_code": today_code(r["code"], label, renumbered)})
        for r in _rows(f"regencies_{label}.csv"):
            entries.append({"list_label": label, "code": r["code"], "level": "regency", "name": r["name"],
                            "parent_code": r["province_code"],
                            "region_code": today_code(r["code"], label, renumbered)})
    await conn.execute(insert(CodeListEntry), entries)
    rows = []
    for c in all_changes:
        act = enacted(c.legal_basis)
        listed = dated[c.list_after]
        effective = max(act, listed) if c.change == "renumbered" and isinstance(listed, date) else act
        rows.append({"level": c.level, "old_code": c.old_code, "new_code": c.new_code, "change": c.change,
                     "region_code": today_code(c.new_code, c.list_after, renumbered),
                     "legal_basis": c.legal_basis, "enacted_on": act, "effective_on": effective,
                     "list_before": c.list_before, "list_after": c.list_after, "name_old": c.name_old,
                     "name_new": c.name_new})
    await conn.execute(insert(CodeChange), rows)
    return len(entries)
