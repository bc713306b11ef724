"""Bærekraftsassistenten: answering (settings, embeddings, store, retrieval, LLM backends, app services).

Nothing leaves the machine: before any library is imported, the switches that keep them offline and quiet are
set (a deployment may still override each one in the environment)."""

import os

for _name, _value in {
    "HF_HUB_OFFLINE": "1",  # never download weights
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime looks up a Microsoft telemetry host when it is imported
}.items():
    os.environ.setdefault(_name, _value)
