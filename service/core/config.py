"""The service's settings: one pydantic-settings class, created once per app (prefix MATCHER_, plus DATABASE_URL).

The path fields (models_dir, data_dir) are inherited from matcher.paths.Paths, the one place that reads them
from the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr

from matcher.paths import Paths


class Settings(Paths):
    database_url: str = Field(default="", validation_alias=AliasChoices("DATABASE_URL", "MATCHER_DATABASE_URL"))
    # Where the SQLite profiles database lives when DATABASE_URL is not set (default <models_dir>/profiles.db).
    # The image sets it to /data/profiles.db, on a declared volume, so a read-only root filesystem still serves.
    profiles_db: Path | None = None
    cors_origins: list[str] = []  # JSON list in the env, e.g. MATCHER_CORS_ORIGINS='["https://howto.example"]'
    max_body_bytes: int = 64 * 1024
    answer_processes: int = Field(default=1, ge=0, le=8)  # worker processes for uncached answers; 0 = a thread
    answer_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)  # answer bodies kept, in bytes; 0 = off
    answer_timeout_s: float = Field(default=10.0, gt=0)  # one uncached answer; longer = 503 and a new worker
    answer_max_in_flight: int = Field(default=32, ge=1)  # uncached answers computing or queued; more = 503
    # Analysts who may write (PUT/DELETE /v1/profiles): name -> bearer token, as JSON in the env, e.g.
    # MATCHER_ANALYST_TOKENS='{"derby": "<long random string>"}'. Empty (the default): writes are off.
    analyst_tokens: dict[str, SecretStr] = {}
    max_profiles: int = Field(default=500, ge=0)  # saved profiles; the next PUT of a new name gets 409
    # Per client address, token buckets: writes, and heavy requests (uncached answers, CSV, compare, review,
    # explain, diff). `rate` per second refills up to `burst`; 0 turns a limit off.
    write_rate: float = Field(default=0.5, ge=0)
    write_burst: int = Field(default=20, ge=1)
    heavy_rate: float = Field(default=10.0, ge=0)
    heavy_burst: int = Field(default=60, ge=1)

    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.profiles_db or self.models_dir / 'profiles.db'}"

    def db_setting(self) -> str:
        """The setting that decides where the profiles database is, to name in an error."""
        if self.database_url:
            return "DATABASE_URL"
        return "MATCHER_PROFILES_DB (or DATABASE_URL)"
