"""Sidebar: language, audience, new conversation, and the status of the index and the language model."""

from __future__ import annotations

import streamlit as st

from assistant.app.services import Services
from assistant.app.views import chat
from assistant.app.views.text import T
from assistant.language import registry
from assistant.search.store import StoreError
from assistant.settings import AUDIENCES


@st.cache_data(ttl=30, show_spinner=False)
def _backends(_svc: Services, key: str) -> list[dict]:
    return _svc.backend_status()


def render(svc: Services) -> tuple[str, str]:
    with st.sidebar:
        lang = st.radio(
            "Språk / Language",
            registry.codes(),
            format_func=lambda code: registry.get(code).name,
            horizontal=True,
            key="lang",
        )
        labels = T[lang]
        default = AUDIENCES.index(svc.settings.audience)
        audience = st.radio(
            labels["audience"], AUDIENCES, index=default, format_func=lambda a: labels[a], key="audience"
        )
        if st.button(labels["new_chat"], key="new-chat", use_container_width=True):
            for key in ("answers", "feedback_done", "announced"):
                st.session_state.pop(key, None)
            st.rerun()
        if st.button(labels["delete_chat"], key="delete-chat", use_container_width=True, help=labels["delete_help"]):
            chat.delete_conversation(svc)
            st.session_state["deleted"] = True
            st.rerun()
        if st.session_state.pop("deleted", False):
            st.success(labels["deleted"])
        with st.expander(labels["privacy_title"]):
            st.markdown(privacy_notice(svc, labels))
        st.divider()
        st.subheader(labels["status"])
        try:
            status = svc.status()
        except StoreError as exc:  # the index server is away: say so; the page works again when it is back
            st.warning(labels["index_down"].format(reason=exc))
            return lang, audience
        chain = _backends(svc, svc.settings.model_dump_json())
        active = next((b for b in chain if b["available"]), {"name": "extractive"})
        st.markdown(
            f"**{labels['backend']}:** {active['name']}  \n**{labels['embedder']}:** {status['embedder_name']}  \n"
            f"**{labels['documents']}:** {status['files']} · **{labels['chunks']}:** {status['chunks']}  \n"
            f"**{labels['last_ingest']}:** {status['last_ingestion'] or '–'}"
        )
        if active["name"] == "extractive":
            st.info(labels["extractive_only"].format(ollama=svc.settings.ollama_model))
            for backend in chain:
                if backend["reason"]:
                    st.caption(f"{backend['name']}: {backend['reason']}")
        if status["chunks"] == 0:
            st.warning(labels["empty_index"])
    return lang, audience


def privacy_notice(svc: Services, labels: dict[str, str]) -> str:
    """The notice as the running configuration makes it true: which other machines get questions, feedback or
    searches (none by default)."""
    elsewhere = svc.elsewhere()
    where = " ".join(
        labels[f"privacy_{kind}"].format(hosts=", ".join(hosts)) for kind, hosts in elsewhere.items() if hosts
    )
    days = int(svc.settings.retention_days)
    notice = labels["privacy_notice"].format(days=days, where=where or labels["privacy_here"])
    return f"{notice}\n\n{labels['privacy_training']}"  # the training path keeps nothing on the server, ever
