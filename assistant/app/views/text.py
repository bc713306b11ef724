"""The app's labels, in Norwegian Bokmål and English (prompts/text.*.yaml, section `ui`)."""

from __future__ import annotations

from assistant.texts import Section

T = Section("ui")
