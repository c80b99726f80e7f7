"""The lead's KPI entries in ``kpi.json``; final sheets and past entries in the archive.

Entries (grades, refund rates, additions and deductions with reasons) are kept with who
entered them and when; the latest grade or rate of a part wins, and a wrong addition is
withdrawn, not deleted. When a month's sheet becomes final, its rows go to
``archive/<YYYY-MM>/kpi_sheet.jsonl`` (a header line, then one line per agent) and the
month's entries move to ``kpi_entries.jsonl``, so the live file holds the open months only.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from tinydb import Query

from bot.domain.errors import UserError
from bot.domain.kpi import Adjustment, Attendance, Entries, Part, Row
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store

_Q = Query()
SHEETS = "kpi_sheet"
ENTRIES = "kpi_entries"
GRADE = "grade"
RATE = "rate"
ADJUSTMENT = "adjustment"


def row_doc(row: Row) -> dict[str, Any]:
    """Return the stored form of a sheet row (decimals as text)."""
    doc = asdict(row)
    for name in ("bonus", "base_pay", "fines", "execution_rate", "refund_rate"):
        doc[name] = None if doc[name] is None else str(doc[name])
    return {"kind": "row", **doc}


def row_from_doc(doc: dict[str, Any]) -> Row:
    """Read a stored sheet row back."""

    def dec(name: str) -> Decimal | None:
        return None if doc.get(name) is None else Decimal(doc[name])

    return Row(
        work_no=doc["work_no"],
        name=doc["name"],
        parts=tuple(Part(**p) for p in doc["parts"]),
        adjustments=tuple(Adjustment(**a) for a in doc["adjustments"]),
        score=int(doc["score"]),
        total=int(doc["total"]),
        passed=bool(doc["passed"]),
        bonus=Decimal(doc["bonus"]),
        pay_grade=doc["pay_grade"],
        base_pay=Decimal(doc["base_pay"]),
        complaints=int(doc["complaints"]),
        fines=Decimal(doc["fines"]),
        execution_rate=dec("execution_rate"),
        refund_rate=dec("refund_rate"),
        attendance=Attendance(**doc["attendance"]) if doc.get("attendance") else None,
    )


class KpiRepo:
    """What the lead entered per agent and month, and the archived final sheets."""

    def __init__(self, store: Store) -> None:
        self._store = store
        db = store.db("kpi")
        self._entries = db.table("entries")
        self._meta = db.table("meta")

    def set_grade(
        self, month: str, work_no: str, part: str, grade: str, by: str, at: datetime
    ) -> None:
        """Record the lead's grade of one part (the latest one counts)."""
        self._add(month, work_no, GRADE, by, at, part=part, value=grade)

    def set_refund_rate(
        self, month: str, work_no: str, rate: Decimal, by: str, at: datetime
    ) -> None:
        """Record the agent's refund rate of the month in percent (the latest one counts)."""
        self._add(month, work_no, RATE, by, at, part="refund", value=str(rate))

    def add_adjustment(
        self,
        month: str,
        work_no: str,
        kind: str,
        points: int,
        reason: str,
        by: str,
        at: datetime,
    ) -> Adjustment:
        """Record an addition or deduction with its reason; return it with its number."""
        number = self._next_number()
        self._add(
            month, work_no, ADJUSTMENT, by, at, number=number, kind=kind, points=points,
            reason=reason, withdrawn=False,
        )  # fmt: skip
        return Adjustment(kind, points, reason, number)

    def withdraw(self, number: int, month: str) -> Adjustment | None:
        """Withdraw an addition or deduction of an open month; return it (None if unknown)."""
        doc = self._entries.get(
            (_Q.number == number) & (_Q.month == month) & (_Q.withdrawn == False)  # noqa: E712
        )
        if doc is None:
            return None
        self._entries.update({"withdrawn": True}, doc_ids=[doc.doc_id])
        return Adjustment(doc["kind"], doc["points"], doc["reason"], number)

    def entries(self, month: str) -> dict[str, Entries]:
        """Return each agent's entries of a month (archived months too)."""
        docs = list(self._store.archive.read(ENTRIES, month))
        docs += [dict(d) for d in self._entries.search(_Q.month == month)]
        grades: dict[str, dict[str, str]] = {}
        rates: dict[str, Decimal] = {}
        adjustments: dict[str, dict[int, Adjustment]] = {}
        for doc in sorted(docs, key=lambda d: (d["at"], d.get("seq", 0))):
            work_no = doc["work_no"]
            if doc["type"] == GRADE:
                grades.setdefault(work_no, {})[doc["part"]] = doc["value"]
            elif doc["type"] == RATE:
                rates[work_no] = Decimal(doc["value"])
            elif doc["type"] == ADJUSTMENT:
                kept = adjustments.setdefault(work_no, {})
                if not doc.get("withdrawn"):
                    kept[doc["number"]] = Adjustment(
                        doc["kind"], doc["points"], doc["reason"], doc["number"]
                    )
        agents = set(grades) | set(rates) | set(adjustments)
        return {
            w: Entries(
                grades=grades.get(w, {}),
                refund_rate=rates.get(w),
                adjustments=tuple(v for _, v in sorted(adjustments.get(w, {}).items())),
            )
            for w in agents
        }

    def history(self, month: str, work_no: str) -> list[dict[str, Any]]:
        """Return every entry of an agent's month with who entered it and when, oldest first."""
        docs = [d for d in self._store.archive.read(ENTRIES, month) if d["work_no"] == work_no]
        docs += [
            dict(d) for d in self._entries.search((_Q.month == month) & (_Q.work_no == work_no))
        ]
        return sorted(docs, key=lambda d: (d["at"], d.get("seq", 0)))

    def finalize(self, month: str, rows: list[Row], at: datetime) -> bool:
        """Archive a month's final sheet and move its entries out; False if already final."""
        if self.is_final(month):
            return False
        header = {"kind": "sheet", "month": month, "final_at": iso(at), "agents": len(rows)}
        entries = [dict(d) for d in self._entries.search(_Q.month == month)]
        self._store.archive.extend(ENTRIES, month, entries)
        # the sheet goes last: its file existing is what makes the month final
        self._store.archive.extend(SHEETS, month, [header, *(row_doc(r) for r in rows)])
        self._entries.remove(_Q.month == month)
        return True

    def is_final(self, month: str) -> bool:
        """Whether a month's sheet has been archived."""
        return self._store.archive.path(SHEETS, month).exists()

    def sheet(self, month: str) -> tuple[datetime, list[Row]] | None:
        """Return when a month became final and its rows, or None while it is open."""
        final_at = None
        rows = []
        for doc in self._store.archive.read(SHEETS, month):
            if doc.get("kind") == "sheet":
                final_at = parse_iso(doc["final_at"])
            elif doc.get("kind") == "row":
                rows.append(row_from_doc(doc))
        return (final_at, rows) if final_at is not None else None

    def final_months(self) -> list[str]:
        """Return the months with a final sheet, oldest first."""
        return self._store.archive.months(SHEETS)

    def _add(
        self, month: str, work_no: str, entry: str, by: str, at: datetime, **fields: Any
    ) -> None:
        if self.is_final(month):
            raise UserError(f"{month} 的考核表已定稿归档，不能再修改。")
        # seq orders entries made within the same second
        seq = self._next_seq()
        self._entries.insert(
            {"month": month, "work_no": work_no, "type": entry, "by": by, "at": iso(at),
             "seq": seq, **fields}
        )  # fmt: skip

    def _next_number(self) -> int:
        return self._bump("last_adjustment")

    def _next_seq(self) -> int:
        return self._bump("last_seq")

    def _bump(self, name: str) -> int:
        doc = self._meta.get(_Q.name == name)
        value = (doc["value"] if doc else 0) + 1
        self._meta.upsert({"name": name, "value": value}, _Q.name == name)
        return value
