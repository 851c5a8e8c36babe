"""``one_of``: membership in thousands of values as one bound parameter, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import insert, select

from gateway.storage.members import one_of, slices
from gateway.storage.tables_recon import recon_imports


def _imports(db, n: int) -> list[int]:
    with db.write() as conn:
        return [
            conn.execute(
                insert(recon_imports)
                .values(
                    format="camt.053",
                    file_name=f"f{i}.xml",
                    content_hash=f"{i:064d}",
                    principal=f"finance:{i % 7}",
                    imported_at="2026-01-01T00:00:00+00:00",
                    entries=0,
                    statements=0,
                )
                .returning(recon_imports.c.id)
            ).scalar_one()
            for i in range(n)
        ]


def test_ints_and_strings_beyond_any_parameter_limit(db) -> None:
    ids = _imports(db, 40)
    c = recon_imports.c
    with db.read() as conn:
        wanted = ids[::3] + list(range(10**6, 10**6 + 5_000))  # 5,000 values that match nothing, too
        got = conn.execute(select(c.id).where(one_of(conn, c.id, wanted))).scalars().all()
        assert sorted(got) == ids[::3]
        names = conn.execute(
            select(c.file_name).where(one_of(conn, c.principal, ["finance:3", "财务:无"]))
        ).scalars()
        assert sorted(names) == sorted(f"f{i}.xml" for i in range(40) if i % 7 == 3)
        assert conn.execute(select(c.id).where(one_of(conn, c.id, []))).first() is None


def test_slices_are_sorted_and_complete() -> None:
    parts = list(slices({5, 3, 9, 1, 7}, size=2))
    assert parts == [[1, 3], [5, 7], [9]]
