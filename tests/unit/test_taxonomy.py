"""The taxonomy is data: a packaged TOML file, checked when it is loaded."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot import taxonomy
from bot.tags import alias_table
from bot.taxonomy import TAXONOMY, TaxonomyError, load

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[[tag]]
slug = "speed"
name_en = "Speed"
name_sv = "Snabbhet"
aliases = ["fast"]
keywords_en = ["quick"]
keywords_sv = ["snabb"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_packaged_file_is_what_the_core_uses() -> None:
    assert load() == TAXONOMY
    assert len(TAXONOMY) >= 10 and TAXONOMY[0].slug == "accessibility"


def test_the_data_file_ships_in_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert taxonomy.DATA_FILE in pyproject["tool"]["setuptools"]["package-data"]["bot"]
    assert (ROOT / "bot" / taxonomy.DATA_FILE).is_file()


def test_a_good_file_loads_in_order(tmp_path: Path) -> None:
    second = GOOD.replace('"speed"', '"speed-two"').replace("Speed", "Speed two")
    [first, other] = load(write(tmp_path, GOOD + second))
    assert (first.slug, first.name("sv"), first.aliases) == ("speed", "Snabbhet", ("fast",))
    assert other.slug == "speed-two"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[[tag]\nslug =", "cannot be read"),
        ("", "one or more [[tag]] tables"),
        (GOOD + "\n[other]\nx = 1\n", "nothing else"),
        (GOOD.replace('name_sv = "Snabbhet"\n', ""), "tag 1 ('speed'): missing ['name_sv']"),
        (GOOD.replace("aliases", "alias"), "unknown ['alias']"),
        (GOOD.replace('"speed"', '"Speed Tag"'), "tag 1 ('Speed Tag'): slug must be"),
        (GOOD.replace('name_en = "Speed"', 'name_en = ""'), "name_en must be a non-empty"),
        (GOOD.replace('["fast"]', '"fast"'), "aliases must be a list"),
        (GOOD.replace('["quick"]', "[]"), "keywords_en needs at least one"),
        (GOOD.replace('["snabb"]', '["snabb leverans"]'), "'snabb leverans' is not a single"),
        (GOOD + GOOD, "tag 2: slug 'speed' is used twice"),
    ],
)
def test_a_broken_file_is_refused_naming_the_entry(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(TaxonomyError) as refused:
        load(write(tmp_path, text))
    assert says in str(refused.value)
    assert str(refused.value).startswith("taxonomy.toml: ")


def test_a_term_naming_two_tags_is_refused(tmp_path: Path) -> None:
    other = GOOD.replace('"speed"', '"quick-service"').replace("Speed", "Quick service")
    taxonomy = load(write(tmp_path, GOOD + other))  # each entry is fine on its own
    with pytest.raises(TaxonomyError, match="'Snabbhet' names both speed and quick-service"):
        alias_table(taxonomy)
    assert alias_table(TAXONOMY)["snabbhet"] == "speed"
