"""Personal data masked before it is stored (feedback, cache, logs, exports), retention and the purge, deleting a
conversation. Identity numbers here were made for the test: valid ones pass both check digits, invalid ones do not."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from assistant.answering.parts import Answer, Prepared, Understood
from assistant.app.services import Services
from assistant.language.privacy import EMAIL, NATIONAL_ID, PHONE, is_national_id, mask
from assistant.people.export import conversation_markdown
from assistant.people.feedback import FeedbackStore

from conftest import thresholds_of

VALID = ["15076500565", "24039100033", "31129900183"]  # fødselsnummer
D_NUMBERS = ["64039100027"]  # day + 40
INVALID = ["15076500566", "24039100034", "32129900183", "12345678901"]  # a check digit or the date fails


@pytest.mark.parametrize("number", VALID + D_NUMBERS)
def test_valid_identity_numbers_are_masked(number):
    assert is_national_id(number)
    assert mask(f"Fødselsnummeret mitt er {number}.") == f"Fødselsnummeret mitt er {NATIONAL_ID}."
    spaced = f"{number[:6]} {number[6:]}"
    assert mask(f"fnr {spaced}") == f"fnr {NATIONAL_ID}"


@pytest.mark.parametrize("number", INVALID)
def test_eleven_digits_that_fail_the_checks_are_kept(number):
    assert not is_national_id(number)
    assert mask(f"Beløpet er {number} kroner") == f"Beløpet er {number} kroner"


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Send svar til ola.nordmann@trondheim.kommune.no takk", f"Send svar til {EMAIL} takk"),
        ("Ring meg på 912 34 567", f"Ring meg på {PHONE}"),
        ("mobil +47 98765432.", f"mobil {PHONE}."),
        ("tlf 0047 22 33 44 55", f"tlf {PHONE}"),
        ("call +46 70 123 45 67 today", f"call {PHONE} today"),
        ("Indikator 11.6.2 og mål 11 i 2030", "Indikator 11.6.2 og mål 11 i 2030"),
        ("Budsjettet er 12 000 000 kroner for 2025-2028", "Budsjettet er 12 000 000 kroner for 2025-2028"),
    ],
)
def test_emails_and_phone_numbers_are_masked_and_ordinary_numbers_kept(text, masked):
    assert mask(text) == masked


def test_feedback_is_stored_masked_and_purged_after_the_retention_period(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    entry = store.add(
        -1, f"Jeg heter Kari, fnr {VALID[0]}, hva er mål 11?", "Svar", [], "fake", comment="Ring 912 34 567"
    )
    row = store.rows()[0]
    assert VALID[0] not in json.dumps(row) and "912 34 567" not in json.dumps(row)
    assert NATIONAL_ID in row["question"] and PHONE in row["comment"]
    with sqlite3.connect(tmp_path / "feedback.sqlite") as db:
        old = (datetime.now(UTC) - timedelta(days=200)).isoformat(timespec="seconds")
        db.execute("UPDATE feedback SET created_at = ? WHERE id = ?", (old, entry))
    store.add(1, "Nytt spørsmål", "Svar", [], "fake")
    assert store.purge(180) == 1
    assert [r["question"] for r in store.rows()] == ["Nytt spørsmål"]
    assert store.delete([r["id"] for r in store.rows()]) == 1 and store.rows() == []


def test_the_conversation_export_is_masked():
    question = "Min e-post er kari@example.no"
    answer = Answer(Prepared(Understood(question, "", "nb", "citizen")), "Svar til kari@example.no", "extractive")
    exported = conversation_markdown([answer], "nb", accessed="2026-11-30")
    assert "kari@example.no" not in exported and EMAIL in exported


@pytest.fixture
def services(subset_index, e5, tmp_path):
    settings = subset_index.model_copy(
        update={
            "cache_answers": True,
            "cache_db": tmp_path / "answers.sqlite",
            "llm_backend": "fake",
            "fake_replies": ["Bærekraftssenteret er kommunens senter for bærekraftig utvikling [1]."],
        }  # fmt: skip
    )
    return Services(settings, embedder=e5)


def test_questions_with_personal_data_are_not_cached_and_logs_hold_no_text(services, caplog):
    caplog.set_level(logging.DEBUG)
    personal = services.answerer.ask(f"Når ble Bærekraftssenteret etablert? Mitt fnr er {VALID[1]}")
    plain = services.answerer.ask("Når ble Bærekraftssenteret etablert?")
    assert personal.cache_id is None and plain.cache_id is not None
    invalid = services.answerer.ask(f"Når ble Bærekraftssenteret etablert, sak {INVALID[0]}?")
    assert invalid.cache_id is not None, "an 11-digit number that is no identity number is not personal"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Bærekraftssenteret etablert" not in logged and VALID[1] not in logged
    caplog.clear()
    debug = Services(services.settings.model_copy(update={"log_content": True}), embedder=services.embedder)
    debug.answerer.ask("Hva er mål 11? Ring 912 34 567")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Hva er mål 11?" in logged and "912 34 567" not in logged, "debug logging is masked too"


def test_privacy_purge_deletes_what_is_older_than_the_retention_period(services, tmp_path, run_cli):
    services.answerer.ask("Når ble Bærekraftssenteret etablert?")
    services.feedback.add(1, "Spørsmål", "Svar", [], "fake")
    with sqlite3.connect(services.settings.answer_cache_path) as db:
        db.execute("UPDATE answers SET created_at = ?", ((datetime.now(UTC) - timedelta(days=10)).isoformat(),))
    env = {
        "ASSISTANT_INDEX_DIR": str(services.settings.index_dir),
        **thresholds_of(services.settings),
        "ASSISTANT_CACHE_DB": str(services.settings.answer_cache_path),
        "ASSISTANT_FEEDBACK_DB": str(services.settings.feedback_db),
        "ASSISTANT_RETENTION_DAYS": "7",
    }
    done = run_cli("assistant", "privacy", "purge", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deleted"] == {"feedback": 0, "cache": 1}
