"""The alias table: one group of names per line, each name whole."""

from __future__ import annotations

from shared.services.retrieval.legal_aliases import DOCUMENT_ALIASES, _alias_groups


def test_table_lines_become_groups_of_trimmed_names() -> None:
    table = """
    # a comment, then a blank line

    Luật phòng, chống ma túy;  Luật phòng chống ma túy ;73/2021/QH14
    Hiến pháp; Hiến pháp 2013
    """
    assert _alias_groups(table) == (("Luật phòng, chống ma túy", "Luật phòng chống ma túy", "73/2021/QH14"),
                                    ("Hiến pháp", "Hiến pháp 2013"))


def test_every_group_names_its_document_at_least_twice() -> None:
    assert len(DOCUMENT_ALIASES) == 48
    for group in DOCUMENT_ALIASES:
        assert len(group) >= 2, group
        assert all(name and name == name.strip() and not name.startswith("#") for name in group), group
    assert ("Bộ luật dân sự", "Bộ luật dân sự 2015", "BLDS", "BLDS 2015", "91/2015/QH13") in DOCUMENT_ALIASES
