"""Admin (only when ASSISTANT_ADMIN_PASSWORD is set, after entering it): upload files and update the index."""

from __future__ import annotations

import streamlit as st

from assistant.services import ReindexError, Services
from assistant.uploads import UploadError, store
from assistant.views.text import T


def _summary(summary: dict, lang: str) -> None:
    t = T[lang]
    st.write(
        t["ingest_done"].format(
            **{k: len(summary.get(k) or []) for k in ("added", "updated", "unchanged", "removed", "skipped")}
        )
    )
    for item in summary.get("skipped") or []:
        st.warning(f"{t['skipped']}: `{item['path']}`: {item['reason']}")


def render(svc: Services, lang: str, audience: str) -> None:
    t = T[lang]
    if not st.session_state.get("admin_ok"):
        given = st.text_input(t["password"], type="password", key="admin-password")
        if given and given != st.session_state.get("admin-tried"):
            st.session_state["admin-tried"] = given  # each guess is checked (and paid for) once
            if svc.password_gate.check(given, who=f"session {id(st.session_state):x}"):
                st.session_state["admin_ok"] = True
                st.rerun()
        if given:
            st.error(t["wrong_password"])
        return
    files = st.file_uploader(t["upload"], type=["pdf", "md", "txt", "html"], accept_multiple_files=True, key="admin-up")
    limit = int(svc.settings.upload_max_mb * 1e6)
    for f in files or []:
        try:
            path, new = store(svc.settings.uploads_dir, f.name, f.getvalue(), limit)
            st.success(t["stored"].format(name=path.name) if new else t["already_stored"].format(name=path.name))
        except UploadError as exc:
            st.error(t["refused_upload"].format(name=f.name, reason=exc))
    if st.button(t["run_ingest"], key="admin-ingest"):
        bar = st.progress(0.0)

        def progress(items, **_):
            items = list(items)
            for n, item in enumerate(items, start=1):
                yield item
                bar.progress(n / max(len(items), 1))

        svc.settings.uploads_dir.mkdir(parents=True, exist_ok=True)
        try:
            summary = svc.reindex([*svc.settings.corpus_dirs, svc.settings.uploads_dir], progress=progress)
        except ReindexError as exc:
            st.error(t["locked"].format(reason=exc))
            return
        _summary(summary.as_dict(), lang)
        return
    last = svc.status()["last_summary"]
    if last:
        st.subheader(t["last_summary"])
        _summary(last, lang)
