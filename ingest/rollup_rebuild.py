"""Every rollup filed again from the order lines, for a database whose rollups drifted
(`manage.py check-rollups` names them): a hand-written statement that deleted only some of an
order's lines, say, which the triggers do not cover (migration 0007's invariant).

One transaction, the way a load files lines: the lines are copied aside, order_lines is
truncated (its trigger empties every rollup) and they go back, so the insert trigger files them
all as one delta. order_lines is locked first, so no writer adds or takes lines in between;
readers wait too. As long as loading that many lines (a 10M-line demo load: ~25 min here).
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from ingest.bulk import bump_data_version


def rebuild_rollups(engine: Engine) -> int:
    """Empty every rollup and file all order lines again; returns how many lines were filed."""
    with engine.begin() as conn:
        conn.execute(text("LOCK TABLE order_lines IN ACCESS EXCLUSIVE MODE"))
        conn.execute(text("CREATE TEMP TABLE lines_again ON COMMIT DROP AS SELECT * FROM order_lines"))
        conn.execute(text("TRUNCATE order_lines"))
        lines = conn.execute(text("INSERT INTO order_lines SELECT * FROM lines_again")).rowcount
        bump_data_version(conn)  # cached answers were computed from the drifted rollups
    return lines
