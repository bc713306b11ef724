"""The README's configuration table names every setting, so an operator never has to read the code to find one."""

import re

from assistant.settings import Settings

from conftest import ROOT


def test_every_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`ASSISTANT_([A-Z0-9_]+)`", readme))
    missing = {name for name in Settings.model_fields if name.upper() not in named}
    assert not missing, f"settings missing from the README's table: {sorted(missing)}"
