"""config/README.md explains every config key and is generated from the schema, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

import yaml

from qgen.config.docs import REGENERATE, config_reference, undocumented

REPO = Path(__file__).resolve().parents[1]
README = REPO / "config" / "README.md"


def test_every_schema_key_has_a_description() -> None:
    missing = undocumented()
    assert not missing, (
        "these config keys have no description in workflow/schemas/config.schema.yaml:\n  "
        + "\n  ".join(missing) + f"\nAdd one to each, then regenerate config/README.md: {REGENERATE}"
    )


def test_config_readme_is_generated_from_the_schema() -> None:
    expected = config_reference()
    actual = README.read_text() if README.is_file() else ""
    assert actual == expected, (
        f"config/README.md is not what the schema generates (was the schema changed?). "
        f"Regenerate it: {REGENERATE}"
    )


def test_config_readme_covers_every_shipped_top_level_key() -> None:
    text = README.read_text()
    shipped = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    missing = [key for key in shipped if f"## `{key}`" not in text]
    assert not missing, f"config/README.md has no section for {missing}. Regenerate it: {REGENERATE}"


def test_config_docs_command_prints_the_reference(capsys) -> None:
    from qgen.cli import main

    main(["config-docs"])
    assert capsys.readouterr().out == config_reference()


def test_undocumented_names_the_dotted_path(monkeypatch) -> None:
    import qgen.config.docs as docs

    schema = docs.load_schema()
    del schema["definitions"]["training"]["properties"]["lr"]["description"]
    del schema["properties"]["models"]["description"]
    monkeypatch.setattr(docs, "load_schema", lambda: schema)
    missing = docs.undocumented()
    assert "defaults.training.lr" in missing
    assert "models.<name>.training.lr" in missing
    assert "models" in missing
