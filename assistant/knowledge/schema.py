"""The catalogue and quiz files' formats, checked by pydantic: a broken file is refused with the field and the
reason (`CatalogError`), e.g. "targets[0].title_nb is missing or empty".

A text that exists in each language is written `<key>_<language>` in the files (title_nb, title_en) and read as
one field {language: text}; every language the corpus is written in must be there (`registry.corpus_codes`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from assistant.knowledge.codes import GOAL_RE, INDICATOR_RE, KPI_RE, TARGET_RE
from assistant.language import registry


class CatalogError(ValueError):
    """A catalogue file is malformed; the message names the field and the reason."""


def _text(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("is missing or empty")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"must be text, not {type(value).__name__}")
    return " ".join(str(value).split())


def _optional_text(value: Any) -> str:
    return "" if value is None or (isinstance(value, str) and not value.strip()) else _text(value)


def _code(pattern: re.Pattern):
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be a quoted string (got {value!r}: write codes like '11.6' in quotes)")
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not a valid code")
        return value

    return BeforeValidator(check)


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str, BeforeValidator(_optional_text)]
Multilingual = dict[str, Text]


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    MULTILINGUAL: ClassVar[tuple[str, ...]] = ()  # keys written once per language in the file
    OPTIONAL_MULTILINGUAL: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _gather_languages(cls, data: Any) -> Any:
        """title_nb, title_en -> title: {"nb": ..., "en": ...} (each corpus language required, others kept)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key in (*cls.MULTILINGUAL, *cls.OPTIONAL_MULTILINGUAL):
            texts = {code: data.pop(f"{key}_{code}", None) for code in registry.codes()}
            required = key in cls.MULTILINGUAL
            data[key] = {
                code: text
                for code, text in texts.items()
                if text is not None or (required and code in registry.corpus_codes())
            }
        return data


class Reference(Strict):
    """What a reference needs beside the address: the cited document's title, who published and wrote it, its date
    and when it was read (a style prints "n.d." for a source without `issued`)."""

    source: Text
    source_title: OptionalText = ""
    publisher: OptionalText = ""
    author: OptionalText = ""
    issued: OptionalText = ""
    accessed: OptionalText = ""


class Indicator(Strict):
    MULTILINGUAL = ("title",)
    code: Annotated[str, _code(INDICATOR_RE)]
    title: Multilingual
    unsd_code: OptionalText = ""


class Target(Strict):
    MULTILINGUAL = ("title",)
    code: Annotated[str, _code(TARGET_RE)]
    title: Multilingual
    indicators: list[Indicator] = []


class Goal(Strict):
    MULTILINGUAL = ("title", "short", "about", "municipal")
    code: Annotated[str, _code(GOAL_RE)]
    title: Multilingual
    short: Multilingual
    about: Multilingual
    municipal: Multilingual


class SdgFile(Reference):
    catalog: Literal["sdg"]
    as_of: Text
    goal: Goal
    targets: Annotated[list[Target], BeforeValidator(lambda v: v if v else _missing_list())]

    @model_validator(mode="after")
    def _targets_belong_to_the_goal(self) -> SdgFile:
        for index, target in enumerate(self.targets):
            if not target.code.startswith(self.goal.code + "."):
                raise ValueError(f"targets[{index}].code {target.code!r} does not belong to goal {self.goal.code}")
        return self


class Value(Strict):
    """A city's verified value of a KPI, with the document it is stated in (and the copy it was read from)."""

    city: Text
    value: Text
    as_of: Text
    source: Text
    source_title: OptionalText = ""
    publisher: OptionalText = ""
    read_from: OptionalText = ""


SdgCode = Annotated[
    str,
    BeforeValidator(
        lambda v: (
            str(v)
            if GOAL_RE.match(str(v)) or TARGET_RE.match(str(v)) or INDICATOR_RE.match(str(v))
            else _fail(f"has {v!r}, which is not an SDG code")
        )
    ),
]
Dimension = Literal["Economy", "Environment", "Society and Culture"]
SubDimension = Literal[
    "ICT",
    "Productivity",
    "Infrastructure",
    "Environment",
    "Energy",
    "Education, Health and Culture",
    "Safety, Housing and Social Inclusion",
]
Category = Literal[
    "ICT Infrastructure",
    "Water and Sanitation",
    "Drainage",
    "Electricity Supply",
    "Transport",
    "Public Sector",
    "Innovation",
    "Employment",
    "Waste",
    "Buildings",
    "Urban Planning",
    "Air Quality",
    "Environmental Quality",
    "Public Space and Nature",
    "Energy",
    "Education",
    "Health",
    "Culture",
    "Housing",
    "Social Inclusion",
    "Safety",
    "Food Security",
]


class Kpi(Strict):
    MULTILINGUAL = ("name", "definition")
    code: Annotated[str, _code(KPI_RE)]
    name: Multilingual
    definition: Multilingual
    dimension: Dimension
    sub_dimension: SubDimension
    category: Category
    level: Literal["core", "advanced"]
    type: Literal["smart", "sustainable", "structural", ""] = ""
    related_sdgs: list[SdgCode] = []
    values: list[Value] = []
    note: OptionalText = ""
    numerator: OptionalText = ""
    denominator: OptionalText = ""
    unit: OptionalText = ""
    method_nb: OptionalText = ""


class U4sscFile(Reference):
    catalog: Literal["u4ssc"]
    as_of: Text
    kpis: Annotated[list[Kpi], BeforeValidator(lambda v: v if v else _missing_list())]


class QuizItem(Strict):
    MULTILINGUAL = ("question", "answer", "explanation")
    OPTIONAL_MULTILINGUAL = ("wrong",)
    id: Text
    question: Multilingual
    answer: Multilingual
    explanation: Multilingual
    wrong: dict[str, list[Text]]
    source: OptionalText = ""
    source_title: OptionalText = ""
    publisher: OptionalText = ""
    issued: OptionalText = ""
    as_of: OptionalText = ""

    @model_validator(mode="after")
    def _two_wrong_answers(self) -> QuizItem:
        for code in registry.corpus_codes():
            wrong = self.wrong.get(code) or []
            if len(wrong) < 2 or self.answer[code] in wrong:
                raise ValueError(f"wrong_{code} must list 2+ wrong answers, not the right one")
        return self


class QuizFile(Strict):
    catalog: Literal["quiz"]
    source: OptionalText = ""
    as_of: OptionalText = ""
    questions: Annotated[list[QuizItem], BeforeValidator(lambda v: v if v else _missing_list())]

    @model_validator(mode="after")
    def _ids_once(self) -> QuizFile:
        seen: set[str] = set()
        for index, item in enumerate(self.questions):
            if item.id in seen:
                raise ValueError(f"questions[{index}].id {item.id!r} is used twice")
            seen.add(item.id)
        return self


def _fail(message: str):
    raise ValueError(message)


def _missing_list():
    raise ValueError("is missing or empty")


FILES: dict[str, type[BaseModel]] = {"sdg": SdgFile, "u4ssc": U4sscFile, "quiz": QuizFile}


def _where(location: tuple, languages: tuple[str, ...]) -> str:
    """('targets', 0, 'title', 'nb') -> 'targets[0].title_nb'."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in languages and out and not out.endswith("]"):
            out += f"_{part}"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "is missing or empty"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be {expected}, not {error.get('input')!r}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("list_type", "dict_type", "model_type"):
        return f"must be a {'list' if kind == 'list_type' else 'mapping'}"
    return error["msg"]


def validate(data: Any) -> BaseModel:
    """The file's model; CatalogError naming the first bad field otherwise."""
    if not isinstance(data, dict) or data.get("catalog") not in FILES:
        raise CatalogError(f"not a catalogue: the top-level key 'catalog' must be one of {', '.join(FILES)}")
    try:
        return FILES[data["catalog"]].model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _where(error["loc"], registry.codes())
        message = _message(error)
        raise CatalogError(f"{where} {message}" if where else message) from None
