"""Kartlegg / Map a text: paste or upload a text, see the goals, targets and KPIs it addresses with the sentences
that support each, as lit goal tiles and tables; export as CSV or Markdown. Nothing is added to the index."""

from __future__ import annotations

import html
import logging
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from assistant.app.services import Services
from assistant.app.views import charts, chat
from assistant.app.views.text import T
from assistant.mapping.export import mapping_csv, mapping_markdown, mapping_rows
from assistant.mapping.mapper import MappingError
from assistant.mapping.parts import Mapping
from assistant.people.uploads import UploadError, check
from assistant.search.store import IndexUnavailable

log = logging.getLogger(__name__)


def _mapping_of(svc: Services, text: str, upload, lang: str) -> Mapping | None:
    labels = T[lang]
    try:
        if upload is not None:
            data = upload.getvalue()
            name = check(upload.name, data, int(svc.settings.upload_max_mb * 1e6))
            with tempfile.TemporaryDirectory(prefix="map-") as folder:
                path = Path(folder) / name
                path.write_bytes(data)
                return svc.map_file(path)
        return svc.mapper.map_text(text)
    except (UploadError, MappingError) as exc:
        st.error(labels["map_bad_file"].format(name=upload.name if upload else "", reason=exc))
    except IndexUnavailable as exc:
        st.error(labels["index_down"].format(reason=exc))
    except Exception:  # noqa: BLE001 - a person never sees a traceback
        log.exception("mapping failed")
        st.error(labels["error"])
    return None


def highlighted(text: str, sentences: list[str]) -> str:
    """The text with the supporting sentences marked (HTML-escaped; shown with unsafe_allow_html)."""
    shown = html.escape(" ".join(text.split()))
    for sentence in sentences:
        escaped = html.escape(sentence)
        shown = shown.replace(escaped, f"<mark>{escaped}</mark>", 1)
    return shown


def render(svc: Services, lang: str, audience: str) -> None:
    labels = T[lang]
    st.markdown(labels["map_intro"])
    text = st.text_area(labels["map_paste"], key="m-text", height=180)
    upload = st.file_uploader(labels["map_upload"], type=["pdf", "md", "txt", "html", "htm"], key="m-file")
    if st.button(labels["map_button"], key="m-go", type="primary"):
        if not text.strip() and upload is None:
            st.warning(labels["map_empty"])
        else:
            with st.spinner(labels["map_working"]):
                st.session_state["m-result"] = (_mapping_of(svc, text, upload, lang), text if upload is None else "")
    mapping, source_text = st.session_state.get("m-result") or (None, "")
    if mapping is None:
        return
    st.caption(labels["map_sentences"].format(count=mapping.sentences))
    if not mapping.goals:
        st.info(labels["map_none"])
        return
    lit = {m.code: m.score for m in mapping.goals}
    st.altair_chart(charts.goal_tiles(svc.catalog, lang, lit), key="m-tiles", width="content")
    for key in ("goals", "targets", "kpis"):
        matches = getattr(mapping, key)
        if not matches:
            continue
        st.subheader(labels[f"map_{key}"])
        for match in matches:
            title = match.titled(lang)
            where = f" · {labels['map_section']}: {', '.join(match.sections)}" if match.sections else ""
            with st.expander(f"{match.code} {title} — {labels['map_confidence']} {match.score:.0%}{where}"):
                for sentence in match.evidence:
                    st.markdown(f"> {sentence}")
    if source_text:
        with st.expander(labels["map_marked"]):
            marked = [s for m in mapping.goals for s in m.evidence]
            st.markdown(highlighted(source_text, marked), unsafe_allow_html=True)
    st.dataframe(pd.DataFrame(mapping_rows(mapping, lang)), hide_index=True)
    left, right = st.columns(2)
    left.download_button(labels["map_csv"], mapping_csv(mapping, lang), "mapping.csv", "text/csv", key="m-csv")
    right.download_button(
        labels["map_md"], mapping_markdown(mapping, svc.catalog, lang), "mapping.md", "text/markdown", key="m-md"
    )
    if st.button(labels["map_explain"], key="m-explain"):
        codes = ", ".join(labels["map_goal_ref"].format(code=m.code) for m in mapping.goals)
        with st.container(border=True):
            chat.ask(svc, labels["map_explain_q"].format(codes=codes), lang, audience)
