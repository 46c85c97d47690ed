"""Service configuration, read once from environment variables (prefix MATCHER_, plus DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from matcher.paths import MODELS_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHER_", extra="ignore")

    models_dir: Path = MODELS_DIR
    database_url: str = Field(default="", validation_alias=AliasChoices("DATABASE_URL", "MATCHER_DATABASE_URL"))
    cors_origins: list[str] = []  # JSON list in the env, e.g. MATCHER_CORS_ORIGINS='["https://howto.example"]'
    max_body_bytes: int = 64 * 1024
    answer_cache_size: int = 2048  # recommendation answers kept (about 10 kB each); 0 turns the cache off

    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.models_dir / 'profiles.db'}"
