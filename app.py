"""Streamlit entry point: index status and a search box over the index. Holds no business logic."""
from __future__ import annotations

import streamlit as st

from assistant.services import Services
from assistant.store import StoreError

st.set_page_config(page_title="Bærekraftsassistenten", page_icon="🌍")


@st.cache_resource(show_spinner="Laster modeller ... / Loading models ...")
def services() -> Services:
    s = Services()
    s.store  # open the index once per server
    return s


st.title("Bærekraftsassistenten")
try:
    svc = services()
    status = svc.status()
except StoreError as exc:
    st.error(f"Indeksen kan ikke brukes / The index cannot be used: {exc}")
    st.stop()

with st.sidebar:
    st.subheader("Indeks / Index")
    st.write(f"**Embedder:** {status['embedder_name']}")
    st.write(f"**Filer / files:** {status['files']}  \n**Biter / chunks:** {status['chunks']}")
    st.write(f"**Sist oppdatert / last ingestion:** {status['last_ingestion'] or '–'}")
    skipped = status["last_summary"].get("skipped") or []
    if skipped:
        with st.expander(f"Hoppet over / skipped: {len(skipped)}"):
            for item in skipped:
                st.write(f"`{item['path']}`: {item['reason']}")

if status["chunks"] == 0:
    st.warning("Indeksen er tom. Kjør `python -m ingest`. / The index is empty: run `python -m ingest`.")

query = st.text_input("Søk i dokumentene / Search the documents", placeholder="Hva er bærekraftsmål 11?")
k = st.slider("Antall treff / results", 1, 20, svc.settings.top_k)
if query:
    try:
        results = svc.retriever.search(query, k=k)
    except Exception as exc:  # noqa: BLE001 - a person sees a message, never a traceback
        st.error(f"Søket feilet / The search failed: {exc}")
        results = []
    if not results and status["chunks"]:
        st.info("Ingen treff / No results.")
    for r in results:
        j = r.as_json()
        page = f", s. {j['page']}" if j["page"] else ""
        st.markdown(f"**{j['rank']}. {j['title']}**{page} · `{j['language']}` · {j['doc_type']} · {j['score']:.3f}")
        if j["source"].startswith("http"):
            st.markdown(f"[{j['source']}]({j['source']})")
        else:
            st.caption(j["source"])
        with st.expander("Tekst / text"):
            st.text(j["text"])
