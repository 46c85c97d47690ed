"""The service's settings: one pydantic-settings class, created once per app (prefix MATCHER_, plus DATABASE_URL).

The path fields (models_dir, data_dir) are inherited from matcher.paths.Paths, the one place that reads them
from the environment.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from matcher.paths import Paths


class Settings(Paths):
    database_url: str = Field(default="", validation_alias=AliasChoices("DATABASE_URL", "MATCHER_DATABASE_URL"))
    cors_origins: list[str] = []  # JSON list in the env, e.g. MATCHER_CORS_ORIGINS='["https://howto.example"]'
    max_body_bytes: int = 64 * 1024
    answer_processes: int = Field(default=1, ge=0, le=8)  # worker processes for uncached answers; 0 = a thread
    answer_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)  # answer bodies kept, in bytes; 0 = off

    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.models_dir / 'profiles.db'}"
