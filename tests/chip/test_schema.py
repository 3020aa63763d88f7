"""docs/chips.md is generated from the schema and must not drift from it."""
import os

from pbitsim.chip.schema import SCHEMA, reference_markdown

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "chips.md")


def test_chip_reference_is_current():
    with open(DOCS, encoding="utf-8") as f:
        assert f.read().strip() == reference_markdown().strip(), \
            "regenerate docs/chips.md (see its first paragraph)"


def test_every_key_has_doc_and_valid_default():
    for section, keys in SCHEMA.items():
        for name, key in keys.items():
            assert key.doc, (section, name)
            if key.choices:
                assert key.default in key.choices, (section, name)
            if key.check and not isinstance(key.default, list):
                assert key.check(key.default) is None, (section, name)
