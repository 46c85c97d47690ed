"""Saved weight profiles in a real database (SQLite by default, any SQLAlchemy URL via DATABASE_URL).

Each write is one transaction: a crash mid-write leaves the previous state, never a half-saved profile.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, create_engine, delete, event, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

metadata = MetaData()
profiles = Table(
    "profiles", metadata,
    Column("name", String(64), primary_key=True),
    Column("weights", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class ProfileStore:
    def __init__(self, url: str):
        self.engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            @event.listens_for(self.engine, "connect")
            def _pragmas(conn, _):  # WAL + full sync: committed profiles survive a kill
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
        metadata.create_all(self.engine)

    def get(self, name: str) -> dict | None:
        with self.engine.connect() as c:
            row = c.execute(select(profiles).where(profiles.c.name == name)).mappings().first()
        return None if row is None else {"name": row["name"], "weights": json.loads(row["weights"]),
                                         "description": row["description"],
                                         "updated_at": row["updated_at"].isoformat()}

    def put(self, name: str, weights: dict[str, float], description: str = "") -> dict:
        values = {"name": name, "weights": json.dumps(weights), "description": description,
                  "updated_at": datetime.now(UTC)}
        with self.engine.begin() as c:
            if self.engine.dialect.name == "sqlite":
                stmt = sqlite_insert(profiles).values(**values)
                c.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))
            else:
                c.execute(delete(profiles).where(profiles.c.name == name))
                c.execute(profiles.insert().values(**values))
        return self.get(name) or values

    def delete(self, name: str) -> bool:
        with self.engine.begin() as c:
            return c.execute(delete(profiles).where(profiles.c.name == name)).rowcount > 0

    def all(self) -> list[dict]:
        """Every saved profile, by name."""
        with self.engine.connect() as c:
            rows = c.execute(select(profiles).order_by(profiles.c.name)).mappings().all()
        return [{"name": r["name"], "weights": json.loads(r["weights"]), "description": r["description"],
                 "updated_at": r["updated_at"].isoformat()} for r in rows]

    def names(self) -> list[str]:
        with self.engine.connect() as c:
            return [r[0] for r in c.execute(select(profiles.c.name).order_by(profiles.c.name))]
