"""Saved weight profiles in a real database (SQLite by default, any SQLAlchemy URL via DATABASE_URL).

Each write is one transaction: a crash mid-write leaves the previous state, never a half-saved profile. The
store holds at most `max_profiles` profiles (a new name beyond that is refused, ProfileLimit); each is a few
hundred bytes (its weights, a description of at most 500 characters).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, create_engine, delete, event, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

metadata = MetaData()
profiles = Table(
    "profiles", metadata,
    Column("name", String(64), primary_key=True),
    Column("weights", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def _profile(row: Any) -> dict:
    return {"name": row["name"], "weights": json.loads(row["weights"]), "description": row["description"],
            "updated_at": row["updated_at"].isoformat()}


class StoreUnavailable(RuntimeError):
    """The database cannot be opened or created (e.g. a read-only filesystem): the message names the setting."""


class ProfileLimit(RuntimeError):
    """A new profile beyond the store's limit."""


class ProfileStore:
    def __init__(self, url: str, max_profiles: int = 500, setting: str = "DATABASE_URL"):
        self.max_profiles = max_profiles
        self.engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            @event.listens_for(self.engine, "connect")
            def _pragmas(conn: Any, _: Any) -> None:  # WAL + full sync: committed profiles survive a kill
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
        try:
            metadata.create_all(self.engine)
        except OperationalError as exc:
            reason = str(exc.orig) if exc.orig is not None else str(exc).splitlines()[0]
            raise StoreUnavailable(f"cannot open the profiles database {url} ({reason}): set {setting} to a file "
                                   "it can write") from None

    def get(self, name: str) -> dict | None:
        with self.engine.connect() as c:
            row = c.execute(select(profiles).where(profiles.c.name == name)).mappings().first()
        return None if row is None else _profile(row)

    def put(self, name: str, weights: dict[str, float], description: str = "") -> dict:
        values = {"name": name, "weights": json.dumps(weights), "description": description,
                  "updated_at": datetime.now(UTC)}
        with self.engine.begin() as c:
            exists = c.execute(select(profiles.c.name).where(profiles.c.name == name)).first() is not None
            if not exists and c.execute(select(func.count()).select_from(profiles)).scalar_one() >= self.max_profiles:
                raise ProfileLimit(f"this server keeps at most {self.max_profiles} profiles: delete one, or "
                                   "overwrite an existing name")
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

    def page(self, limit: int, offset: int = 0) -> tuple[int, list[dict]]:
        """(how many profiles there are, `limit` of them from `offset`, by name)."""
        with self.engine.connect() as c:
            total = c.execute(select(func.count()).select_from(profiles)).scalar_one()
            rows = c.execute(select(profiles).order_by(profiles.c.name).limit(limit).offset(offset)).mappings().all()
        return total, [_profile(r) for r in rows]
