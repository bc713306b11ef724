"""What the assistant is not for, whatever words a request shares with its documents: general tasks (write code,
a recipe, a joke, a poem, a letter; translate or summarise an arbitrary text; solve a sum) and facts its documents
cannot hold (today's weather, prices, opening hours, timetables, news, results and figures for years after its
documents). Such requests are refused politely in the asker's language, before any search.
"""

from __future__ import annotations

import re

_MAKE_EN = r"(write|generate|create|make|compose|draft|program|implement|give me|tell me|suggest|invent)"
_THING_EN = (
    r"(code|a function|functions?|a script|scripts?|a program|programs?|an? sql|sql|quer(y|ies)|a regex|"
    r"regex|poems?|haikus?|songs?|lyrics|a story|stories|jokes?|riddles?|a recipe|recipes?|letters?|"
    r"an? (cover|job|application) letter|essays?|e-?mails?|tweets?|posts?|slogans?|speech(es)?|cv|resume|"
    r"limericks?|raps?|fairy ?tales?|regular expressions?)"
)
_MAKE_NB = r"(skriv|lag|lage|generer|komponer|programmer|gi meg|fortell meg|foreslå|dikt opp|finn på)"
_THING_NB = (
    r"(kode|en funksjon|funksjoner?|et skript|skript|et program|programmer|sql|spørring(er)?|regex|"
    r"dikt|haiku|sanger?|sangtekst|en historie|historier?|eventyr|vitser?|en vits|gåter?|en oppskrift|"
    r"oppskrift(er)?|brev|en søknad|jobbsøknad|søknad|essay|e-?post|tweet|innlegg|slagord|tale|cv|rap|regle|"
    r"limerick)"
)
_LANGUAGES = (
    r"(german|french|spanish|italian|swedish|danish|finnish|polish|arabic|chinese|japanese|russian|"
    r"ukrainian|somali|tigrinya|latin|tysk|fransk|spansk|italiensk|svensk|dansk|finsk|polsk|arabisk|"
    r"kinesisk|japansk|russisk|ukrainsk|somali|tigrinja|latin|nynorsk|samisk|sami)"
)
_NOW = (
    r"(today|tonight|tomorrow|yesterday|right now|now|current|currently|at the moment|this morning|i morges|"
    r"this (week|weekend|month|year)|"
    r"next (week|month)|latest|i dag|i kveld|i morgen|i går|akkurat nå|nå|for tiden|denne (uka|uken|helga|"
    r"helgen|måneden)|i år|neste (uke|måned)|siste)"
)
_LIVE = (
    r"(weather|forecast|temperature|rain|snow|wind|price|prices|cost|costs|cheap|expensive|fare|tickets?|"
    r"open|opening hours|closes|departures?|timetable|bus|buses|train|trains|tram|flight|traffic|queue|"
    r"news|headlines|score|scores|results?|stock|shares|exchange rate|interest rate|vote|voted|vær|været|"
    r"værmelding|værvarsel|temperatur(en)?|regn|snø|vind|\w*pris(en|er)?|koster|kost|billig|dyr|"
    r"billett(er|en)?|åpent|åpen|åpningstid(er|ene)?|stenger|avgang(er|ene)?|rutetid(er)?|buss(en)?|tog(et)?|"
    r"trikk(en)?|fly|trafikk|kø|nyhet\w*|nytt|resultat(er|et)?|aksje\w*|valutakurs|rente|stemte|vedtok)"
)

PATTERNS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # a general task, asked of the assistant
        rf"\b{_MAKE_EN}\b[^.?!]{{0,40}}\b{_THING_EN}\b",
        rf"\b{_MAKE_NB}\b[^.?!]{{0,40}}\b{_THING_NB}\b",
        r"\b(in|using|with|på|i|med)\s+(python|javascript|typescript|java|c\+\+|c#|rust|go|sql|r|excel|bash|html|css)\b",
        r"\b(python|javascript|sql|excel)[- ](code|script|function|formula|kode|skript|funksjon|formel)\b",
        r"\b(joke|pun|vits|ordspill|recipes?|oppskrift\w*)\b",
        r"\b(integral\w*|derivert\w*|derivative|equation|ligning|likning)\b",
        r"\b(translate|oversett)\w*\b[^?!\n]{0,60}\b(in)?to\b[^?!\n]{0,10}\b" + _LANGUAGES + r"\b",
        r"\b(translate|oversett)\w*\b[^?!\n]{0,60}\btil\b[^?!\n]{0,10}\b" + _LANGUAGES + r"\b",
        r"\b(translate|summari[sz]e|rewrite|paraphrase|proofread|oversett|oppsummer|omskriv|korrektur\w*)\b[^.?!]{0,20}"
        r"\b(this|the following|my|the text|the paragraph|dette|denne|disse|følgende|teksten|avsnittet|min|mitt)\b",
        r"\b(solve|calculate|compute|løs|regn ut|beregn)\b[^.?!]{0,30}(\d|equation|ligning|likning|integral|sum)",
        r"(?<![\w/])\d+\s*(?:[+*×÷^]|\s-\s|\s/\s|\sx\s|\s(?:times|ganger|plus|pluss|minus)\s)\s*\d+(?![\w/])",
        # a fact no document can hold: the present moment, prices, opening hours, timetables, news, results
        rf"\b{_NOW}\b[^.?!]{{0,60}}\b{_LIVE}\b",
        rf"\b{_LIVE}\b[^.?!]{{0,60}}\b{_NOW}\b",
        r"\b(weather|forecast|vær(et|meldingen|varselet)|værmelding|værvarsel)\b",
        r"\b(opening hours|open on (saturday|sunday|mondays?)|åpningstid\w*|åpent på (lørdag|søndag|mandag))\b",
        r"\b(how much (does|do|is|are)\b[^.?!]{0,40}\b(cost|costs?)|what does\b[^.?!]{0,40}\bcost|hva koster|prisen på|"
        r"strømprisen|bensinprisen|strømpris|bensinpris|boligpris\w*|house prices|electricity price|petrol price|"
        r"fuel price)\b",
        r"\b(stock|share|aksje)\s*(price|prices|kurs|kursen)\b",
        r"\b(when (does|do|will)\b[^.?!]{0,40}\b(open|close)|når (åpner|stenger))\b",
        # results of elections, matches and contests: news no document here holds
        r"\b(who won|hvem vant|which team won|hvilket lag vant)\b",
        # personal advice of other professions
        r"\b(antibiotic\w*|antibiotika|paracet\w*|ibux|prescription|resept|dosage|dose|lawyer|advokat|landlord|"
        r"utleier|court|domstol\w*|rettssak|testament|will without|divorce|skilsmisse|sue|saksøke)\b",
        # figures for a recent period no document covers
        r"\b(last (week|month)|forrige (uke|måned)|i forrige måned|yesterday|i går|this month|denne måneden)\b",
    )
]


def out_of_scope(question: str, newest_year: int | None = None) -> bool:
    """A general task, or a fact the documents cannot hold (a year after `newest_year`, the newest as-of date of
    the documents, asked about as a result, a budget or news)."""
    if any(pattern.search(question) for pattern in PATTERNS):
        return True
    if newest_year is not None:
        later = [int(y) for y in re.findall(r"\b(20\d\d)\b", question) if newest_year < int(y) < 2030]
        reported = re.search(
            r"\b(budget|budsjett\w*|result\w*|resultat\w*|figures|tall(ene)?|statistic\w*|"
            r"statistikk\w*|sold|solgt|sales|salg\w*|registered|registrert\w*|emissions?|"
            r"utslipp\w*|news|nyheter|election|valg\w*|won|vant|happened|skjedde)\b",
            question,
            re.IGNORECASE,
        )
        if later and reported:
            return True
    return False
