"""Indicator explorer: goals -> targets -> indicators, dimensions -> sub-dimensions -> categories -> KPIs, as lists
and as pictures (goal tiles and hierarchies that open a card on a click, a KPI's city values as a chart)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from assistant.app.services import Services
from assistant.app.views import charts, chat, references
from assistant.app.views.text import T
from assistant.knowledge.cards import render as card
from assistant.knowledge.catalog import Item, group_name
from assistant.study import sheets
from assistant.study.sources import load_register


def _pick(label: str, items: list[Item], lang: str, key: str) -> Item | None:
    if not items:
        return None
    return st.selectbox(label, items, key=key, format_func=lambda i: charts.named(i, lang))


def _sdg(svc: Services, lang: str) -> Item | None:
    labels, cat = T[lang], svc.catalog
    goal = _pick(labels["goal"], cat.goals(), lang, "x-goal")
    if goal is None:
        return None
    target = _pick(labels["target"], [cat.items[c] for c in goal.children], lang, "x-target")
    indicators = [cat.items[c] for c in target.children if c in cat.items] if target else []
    choice = st.radio(
        labels["indicator"], [None, *indicators], key="x-ind", format_func=lambda i: charts.named(i, lang) if i else "—"
    )
    return choice or target or goal


def _u4ssc(svc: Services, lang: str) -> Item | None:
    labels, cat = T[lang], svc.catalog
    tree = cat.tree()
    dim = st.selectbox(
        labels["dimension"], list(tree), key="x-dim", format_func=lambda d: group_name("dimension", d, lang)
    )
    sub = st.selectbox(
        labels["sub_dimension"],
        list(tree[dim]),
        key="x-sub",
        format_func=lambda d: group_name("sub_dimension", d, lang),
    )
    category = st.selectbox(
        labels["category"], list(tree[dim][sub]), key="x-cat", format_func=lambda d: group_name("category", d, lang)
    )
    return _pick(labels["kpi"], [cat.items[c] for c in tree[dim][sub][category]], lang, "x-kpi")


def picked(event) -> str | None:
    """The code a click on a chart chose, if any."""
    chosen = (event or {}).get("selection", {}).get(charts.PICK) or []
    return chosen[0].get("code") or None if chosen else None


def _pictures(svc: Services, lang: str, framework: str) -> Item | None:
    labels, cat = T[lang], svc.catalog
    st.caption(labels["tiles_help"])
    code = picked(st.altair_chart(charts.goal_tiles(cat, lang), on_select="rerun", key="x-tiles", width="content"))
    if framework == labels["sdg"]:
        counts = labels["sdg_counts"].format(
            goals=len(cat.goals()), targets=len(cat.of_kind("target")), indicators=len(cat.of_kind("indicator"))
        )
        chart = charts.sdg_hierarchy(cat, lang, labels["sdg_levels"])
    else:
        tree = cat.tree()
        counts = labels["u4ssc_counts"].format(
            dimensions=len(tree),
            subs=sum(len(subs) for subs in tree.values()),
            categories=sum(len(c) for subs in tree.values() for c in subs.values()),
            kpis=len(cat.kpis()),
        )
        chart = charts.u4ssc_hierarchy(cat, lang, labels["u4ssc_levels"])
    st.caption(f"{counts}. {labels['hierarchy_help']}")
    code = picked(st.altair_chart(chart, on_select="rerun", key=f"x-tree-{framework}")) or code
    return cat.get(code) if code else None


def kpi_values(item: Item, lang: str) -> None:
    """A KPI's known city values as a chart, saying plainly when Trondheim has none."""
    labels = T[lang]
    values = charts.kpi_values(item)
    st.markdown(f"**{labels['values_title']}**")
    if values.empty:
        st.caption(labels["values_none"])
        return
    if values["value"].notna().any():
        st.altair_chart(charts.kpi_chart(values, str(item.attrs.get("unit") or "")), key=f"x-values-{item.code}")
    st.dataframe(values[["city", "shown", "as_of", "source"]], hide_index=True)
    if not values["city"].str.lower().eq("trondheim").any():
        st.info(labels["no_trondheim"])


def sheet_buttons(svc: Services, item: Item, lang: str) -> None:
    """The item's one-page study sheet, made when the button is pressed, in the session's citation style."""
    labels, style = T[lang], references.chosen_style()
    register = load_register(tuple(svc.settings.corpus_dirs))
    for column, form in zip(st.columns(len(sheets.FORMS)), ("pdf", "md")):
        column.download_button(
            labels[f"sheet_{form}"],
            partial(sheets.sheet, svc.catalog, register, item.code, lang, style, form),
            file_name=sheets.file_name(item.code, form, lang),
            mime=sheets.FORMS[form],
            key=f"x-sheet-{form}-{item.code}",
            on_click="ignore",
        )


def render(svc: Services, lang: str, audience: str) -> None:
    labels = T[lang]
    # one switch for the tab: the hierarchy drawn and the lists to browse show the same framework
    framework = st.radio(labels["framework"], [labels["sdg"], labels["u4ssc"]], horizontal=True, key="x-framework")
    with st.expander(labels["pictures"], expanded=True):
        clicked = _pictures(svc, lang, framework)
    query = st.text_input(
        labels["search_catalog"], key="x-search", placeholder="11.6.2, EC: ICT: ICT: 1C, luftkvalitet ..."
    )
    if clicked is not None:
        item: Item | None = clicked
    elif query.strip():
        hits = svc.catalog.search(query)
        item = _pick(labels["search_catalog"], hits, lang, "x-hit") if hits else None
        if not hits:
            st.info(labels["no_hits"])
    else:
        item = _sdg(svc, lang) if framework == labels["sdg"] else _u4ssc(svc, lang)
    if item is None:
        return
    with st.container(border=True):
        st.markdown(card(svc.catalog, item, lang).replace("\n", "  \n"))
        if item.kind == "kpi":
            kpi_values(item, lang)
        sheet_buttons(svc, item, lang)
    if st.button(labels["ask_about"], key=f"x-ask-{item.code}"):
        with st.container(border=True):
            chat.ask(svc, labels["explain_q"].format(code=item.code), lang, audience)
