"""The languages the assistant speaks, in one place. Everything that differs by language is here or in the
language's own files in prompts/ (`text.<code>.yaml`, `<template>.<code>.txt`, `audience.<code>.yaml`): adding a
language is one `Language` entry (and `register` it) plus those files.

The first language registered is the default: a text that gives no signal of its language is taken to be in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_NORWEGIAN


@dataclass(frozen=True)
class Language:
    code: str  # the code used in metadata, file names and settings ("nb")
    name: str  # in the language itself, for the language menu
    stemmer: str  # a Snowball algorithm name for PyStemmer
    sentence_rules: str  # the language of Moses's non-breaking prefixes (sentence-splitter)
    abbreviations: tuple[str, ...] = ()  # more words a full stop does not end a sentence after
    stop_words: frozenset[str] = frozenset()  # left out of search terms
    question_words: frozenset[str] = frozenset()  # say what is asked, not what it is about: left out too
    function_words: frozenset[str] = frozenset()  # frequent short words that tell the language apart
    letters: str = ""  # letters only this language uses here (a word with one counts once for it)
    html_codes: tuple[str, ...] = field(default=())  # the `lang` attributes of a web page in this language
    count_words: tuple[str, ...] = ()  # a question that asks for a number ("how many")
    list_words: tuple[str, ...] = ()  # a question that asks for a list, at its start ("which")
    why_words: tuple[str, ...] = ()  # a question that asks for a reason ("why")
    when_words: tuple[str, ...] = ()  # a question that asks for a time ("when", "what year")
    reason_words: tuple[str, ...] = ()  # words that give one ("because", "the advantage")
    continuing_words: tuple[str, ...] = ()  # a question starting with one continues the last ("and", "what about")
    follow_up_words: tuple[str, ...] = ()  # one starting with one may ask on about the last ("why", "who")
    referring_words: tuple[str, ...] = ()  # words that point back to the conversation ("it", "this")
    # of those, the ones that are always pronouns ("them"); the others ("det", "this") point back at a question's
    # end ("Hvorfor er det viktig?", "What does this mean?"), not as an article ("Hva er det fulle navnet ...?")
    pronouns: tuple[str, ...] = ()
    goal_words: tuple[str, ...] = ()  # words that name a goal before its number ("mål 11", "goal 11")
    corpus: bool = True  # the corpus is written in it: catalogue texts and document twins exist in this language
    # names: words after which a capitalised word is a place or a body ("Oslo kommune", "the city of Bergen"), and
    # capitalised words that name no one (months, days, nationalities in English)
    place_words: tuple[str, ...] = ()
    not_names: frozenset[str] = frozenset()


NB = Language(
    code="nb",
    name="Norsk (bokmål)",
    stemmer="norwegian",
    sentence_rules="no",
    # municipal Norwegian (lower case, as written mid-sentence) that Moses's Norwegian list lacks
    abbreviations=tuple(
        "dr prof mill mrd tlf inkl evt iht mht ift hhv kap avd adm stk bl.a jan feb mar apr jun jul aug sep okt "
        "des ref ekskl vedr st".split()
    ),
    stop_words=frozenset(STOPWORDS_NORWEGIAN),
    question_words=frozenset(
        "hva hvilke hvilken hvilket hvordan hvorfor hvor forklar fortell beskriv mange mye".split()
    ),
    function_words=frozenset(
        """og i er det som en et på for med til av ikke har de den jeg vi kan om skal var fra ble eller hva hvem
        hvor hvordan hvilke hvilken hvilket hvorfor når mål delmål kommune kommunen bærekraft bærekraftsmål også
        etter ved sin sitt sine seg mellom hos under blir være vært mye mange noe noen alle hvis dette disse fikk
        får gjør gjøre må mer enn hun han dem deres vår våre våres nå bare slik finnes betyr gikk senteret""".split()
    ),
    letters="æøå",
    html_codes=("nb", "no", "nn"),
    goal_words=("mål", "bærekraftsmål", "bærekraftsmålet", "målet", "fn-mål"),
    place_words=("kommune", "kommunes", "fylkeskommune", "fylke", "by", "byen", "region"),
    count_words=("hvor mange", "hvor mye", "antall"),
    continuing_words=("og", "men", "hva med", "enn"),
    follow_up_words=("hvorfor", "hvordan", "hvem", "når"),
    referring_words=("den", "det", "dette", "denne", "disse", "de", "dem"),
    pronouns=("dem", "dens", "dets", "deres"),
    list_words=("hvilke", "hva er de", "nevn", "list opp"),
    why_words=("hvorfor", "av hvilken grunn", "hva er grunnen"),
    when_words=("når", "hvilket år", "hvilken dato", "hvilken måned", "hvor lenge", "fra når"),
    reason_words=("fordi", "derfor", "grunnen", "grunn til", "fordel", "fordeler", "skiller", "slik at", "årsak"),
)

EN = Language(
    code="en",
    name="English",
    stemmer="english",
    sentence_rules="en",
    abbreviations=("approx", "incl", "dept", "e.g", "i.e"),
    stop_words=frozenset(STOPWORDS_EN),
    question_words=frozenset(
        "what which who whom whose how why when where does do did can could would should tell explain describe many "
        "much about".split()
    ),
    function_words=frozenset(
        """the and of to in is are was were what which who whom how why when where does do did for with on by from
        this that these those it its be been has have had not or an as at can will would should could about into
        than then there their they them our we you your goal goals target targets centre center city municipality
        mean means explain tell list give show""".split()
    ),
    html_codes=("en",),
    goal_words=("goal",),
    place_words=("municipality", "municipality's", "county", "city", "city's", "council", "region"),
    not_names=frozenset(
        "january february march april may june july august september october november december monday tuesday "
        "wednesday thursday friday saturday sunday norwegian english european nordic scandinavian african asian "
        "american british swedish danish finnish german french sami i".split()
    ),
    count_words=("how many", "how much", "number of", "count of"),
    continuing_words=("and", "but", "what about", "how about"),
    follow_up_words=("why", "how", "who", "when"),
    referring_words=("it", "this", "that", "these", "those", "they", "them", "its", "their"),
    pronouns=("it", "its", "they", "them", "their"),
    list_words=("which", "what are the", "name the", "list"),
    why_words=("why", "for what reason", "what is the reason"),
    when_words=("when", "what year", "which year", "what date", "how long", "since when"),
    reason_words=("because", "therefore", "the reason", "reasons", "advantage", "advantages", "so that", "cause"),
)

LANGUAGES: dict[str, Language] = {}
OFFICIAL = "en"  # the language of the frameworks' official titles (a card in another language shows them too)


def register(language: Language) -> Language:
    """Add a language (its text and prompt files must exist in the prompts folder)."""
    LANGUAGES[language.code] = language
    return language


def unregister(code: str) -> None:
    """Remove a language registered for a test or a demonstration."""
    if code in (NB.code, EN.code):
        raise ValueError(f"{code} is built in")
    LANGUAGES.pop(code, None)


def codes() -> tuple[str, ...]:
    """The languages' codes, the default first."""
    return tuple(LANGUAGES)


def default() -> str:
    return next(iter(LANGUAGES))


def corpus_codes() -> tuple[str, ...]:
    """The languages every catalogue text and document topic must exist in."""
    return tuple(code for code, language in LANGUAGES.items() if language.corpus)


def get(code: str) -> Language:
    """The language with this code; the default for an unknown code (metadata of another language's document)."""
    return LANGUAGES.get(code) or LANGUAGES[default()]


for _language in (NB, EN):
    register(_language)
