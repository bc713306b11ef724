"""Admin (only when ASSISTANT_ADMIN_PASSWORD is set, after entering it): upload files and update the index."""

from __future__ import annotations

import streamlit as st

from assistant.app.services import ReindexError, Services
from assistant.app.views.text import T
from assistant.people.uploads import UploadError, store


def _summary(summary: dict, lang: str) -> None:
    labels = T[lang]
    st.write(
        labels["ingest_done"].format(
            **{k: len(summary.get(k) or []) for k in ("added", "updated", "unchanged", "removed", "skipped")}
        )
    )
    for item in summary.get("skipped") or []:
        st.warning(f"{labels['skipped']}: `{item['path']}`: {item['reason']}")


def render(svc: Services, lang: str, audience: str) -> None:
    labels = T[lang]
    if not st.session_state.get("admin_ok"):
        given = st.text_input(labels["password"], type="password", key="admin-password")
        if given and given != st.session_state.get("admin-tried"):
            st.session_state["admin-tried"] = given  # each guess is checked (and paid for) once
            if svc.password_gate.check(given, who=f"session {id(st.session_state):x}"):
                st.session_state["admin_ok"] = True
                st.rerun()
        if given:
            st.error(labels["wrong_password"])
        return
    files = st.file_uploader(
        labels["upload"], type=["pdf", "md", "txt", "html"], accept_multiple_files=True, key="admin-up"
    )
    limit = int(svc.settings.upload_max_mb * 1e6)
    for upload in files or []:
        try:
            path, new = store(svc.settings.uploads_dir, upload.name, upload.getvalue(), limit)
            st.success(
                labels["stored"].format(name=path.name) if new else labels["already_stored"].format(name=path.name)
            )
        except UploadError as exc:
            st.error(labels["refused_upload"].format(name=upload.name, reason=exc))
    if st.button(labels["run_ingest"], key="admin-ingest"):
        bar = st.progress(0.0)

        def progress(items, **_):
            items = list(items)
            for done, item in enumerate(items, start=1):
                yield item
                bar.progress(done / max(len(items), 1))

        svc.settings.uploads_dir.mkdir(parents=True, exist_ok=True)
        try:
            folders = list(dict.fromkeys([*svc.settings.corpus_dirs, svc.settings.uploads_dir]))
            summary = svc.reindex(folders, progress=progress)
        except ReindexError as exc:
            st.error(labels["locked"].format(reason=exc))
            return
        _summary(summary.as_dict(), lang)
        return
    last = svc.status()["last_summary"]
    if last:
        st.subheader(labels["last_summary"])
        _summary(last, lang)
