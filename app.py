"""Streamlit entry point: wires the views to the assistant's services; holds no business logic."""

from __future__ import annotations

import logging

import streamlit as st

from assistant.app.services import Services, shared
from assistant.app.views import accessibility, admin, chat, explorer, mapper, quiz, references, sidebar, training
from assistant.app.views.text import T

st.set_page_config(page_title="Bærekraftsassistenten", page_icon="🌍", layout="wide")


@st.cache_resource(show_spinner="Laster modeller ... / Loading models ...")
def services() -> Services:
    return shared().warm()  # already warm when started by `python -m assistant.app.web` (make run)


try:
    svc = services()
except Exception as exc:  # noqa: BLE001 - the index cannot be used: say why, never a traceback
    logging.getLogger(__name__).exception("start-up failed")
    st.error(f"Bærekraftsassistenten kan ikke starte / cannot start: {exc}")
    st.stop()

lang, audience = sidebar.render(svc)
t = T[lang]
accessibility.page(lang)
st.title(t["title"])
st.caption(t["tagline"])
views = [
    ("tab_chat", chat),
    ("tab_explorer", explorer),
    ("tab_map", mapper),
    ("tab_quiz", quiz),
    ("tab_training", training),
    ("tab_refs", references),
]
if svc.settings.admin_password:
    views.append(("tab_admin", admin))
# only the open tab's view runs (the others cost nothing until chosen): the first page is ready sooner
for tab, (_, view) in zip(st.tabs([t[name] for name, _ in views], key="view", on_change="rerun"), views):
    if tab.open:
        with tab:
            view.render(svc, lang, audience)
