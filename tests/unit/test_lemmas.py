"""Dictionary forms from simplemma's tables, read from the cached SQLite copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import lemmas


def test_forms_lemmas_and_headwords() -> None:
    assert lemmas.lemma("leveranserna", "sv") == "leverans"
    assert lemmas.lemma("children", "en") == "child"
    assert lemmas.lemma("zqxwing", "sv") is None and not lemmas.known("zqxwing", "en")
    assert lemmas.lemma("bytte", "sv") == "byta"  # corrected: simplemma says "bytta"
    assert lemmas.is_headword("ursäkt", "sv") and not lemmas.is_headword("ursäkterna", "sv")


def test_the_cache_lives_where_storybot_cache_dir_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORYBOT_CACHE_DIR", str(tmp_path))
    path = lemmas._cache_file()
    assert path.parent == tmp_path and path.name.startswith("lemmas-v2-simplemma-")
    monkeypatch.delenv("STORYBOT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert lemmas._cache_file().parent == tmp_path / "xdg" / "storybot"
