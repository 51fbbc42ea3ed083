"""Reading PAIRS.csv: paths, carried columns, and bad rows reported by row number."""

from __future__ import annotations

import pytest

from xraycompare.core.batch.pairs import PairsFileError, pair_id_problem, read_pairs
from xraycompare.core.batch.summary import COLUMNS, SUMMARY


def _write(tmp_path, text: str, name: str = "pairs.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_paths_relative_to_the_csv_or_absolute_and_extra_columns_carried(tmp_path):
    (tmp_path / "lists").mkdir()
    absolute = tmp_path / "elsewhere" / "b.dcm"
    path = _write(
        tmp_path / "lists",
        f"site,pair_id,after,before,visit\nOslo,P1,films/a.png,{absolute},2\n"
        "Bergen,P2,../x/a.png,../x/b.png,3\n",
    )
    table = read_pairs(path)
    assert table.problems == ()
    assert table.carried_columns == ("site", "visit")
    p1, p2 = table.pairs
    assert (p1.pair_id, p1.row, p1.carried) == ("P1", 2, ("Oslo", "2"))
    assert p1.before == absolute
    assert p1.after == (tmp_path / "lists" / "films" / "a.png")
    assert p2.before == tmp_path / "lists" / ".." / "x" / "b.png"
    assert p2.carried == ("Bergen", "3")


def test_excel_files_with_a_byte_order_mark_semicolons_or_upper_case_headers(tmp_path):
    path = _write(tmp_path, "Pair_ID;Before;After\r\nP1;b.png;a.png\r\n", encoding="utf-8-sig")
    (pair,) = read_pairs(path).pairs
    assert pair.pair_id == "P1" and pair.before.name == "b.png" and pair.after.name == "a.png"


def test_bad_rows_are_reported_by_row_number_and_the_others_kept(tmp_path):
    text = (
        "pair_id,before,after,note\n"
        "P1,b.png,a.png,fine\n"  # row 2
        "../up,b.png,a.png,\n"  # row 3: climbs out of the output folder
        "a/b,b.png,a.png,\n"  # row 4: a separator
        "p1,b.png,a.png,\n"  # row 5: P1 again, in other case
        "P3,,a.png,\n"  # row 6: no before film
        "P4,b.png,a.png,x,extra\n"  # row 7: more cells than columns
        "\n"  # an empty line is no row
        ",b.png,a.png,\n"  # row 9: no id
        ".hidden,b.png,a.png,\n"  # row 10
        "CON,b.png,a.png,\n"  # row 11: Windows cannot make this folder
        "P5,b.png,a.png\n"  # row 12: a missing carried cell is empty
    )
    table = read_pairs(_write(tmp_path, text))
    assert [p.pair_id for p in table.pairs] == ["P1", "P5"]
    assert table.pairs[1].carried == ("",)
    rows = {p.row: p.message for p in table.problems}
    assert sorted(rows) == [3, 4, 5, 6, 7, 9, 10, 11]
    assert "separator" in rows[3] and "separator" in rows[4]
    assert "already used by row 2" in rows[5]
    assert "before cell is empty" in rows[6]
    assert "5 cells" in rows[7] and "4 columns" in rows[7]
    assert "empty" in rows[9]
    assert "Windows" in rows[11]
    assert str(table.problems[0]).startswith("row 3: ")


@pytest.mark.parametrize(
    "pair_id", ["..", "a..b", "a/b", "a\\b", ".x", "-x", "x y", "é1", "nul.txt", "x" * 101, "x."]
)
def test_unsafe_pair_ids(pair_id):
    assert pair_id_problem(pair_id) is not None


@pytest.mark.parametrize("pair_id", ["P001", "trial-7_visit.2", "0", "_x", "x" * 100, "CONSOLE"])
def test_safe_pair_ids(pair_id):
    assert pair_id_problem(pair_id) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("\n\n", "empty"),
        ("id,before,after\nP1,b,a\n", "no pair_id column"),
        ("pair_id,before\nP1,b\n", "no after column"),
        ("pair_id,before,after,before\n", "twice"),
        ("pair_id,before,after,\nP1,b,a,x\n", "no name"),
        ('pair_id,before,after\nP1,"b,a\nP2,b,a\n', "not a valid CSV file .line 3"),
    ],
)
def test_files_that_are_no_pairs_table(tmp_path, text, words):
    with pytest.raises(PairsFileError, match=words):
        read_pairs(_write(tmp_path, text))


def test_missing_binary_and_non_utf8_files_name_the_problem(tmp_path):
    with pytest.raises(PairsFileError, match="no such file"):
        read_pairs(tmp_path / "nope.csv")
    with pytest.raises(PairsFileError, match="folder"):
        read_pairs(tmp_path)
    with pytest.raises(PairsFileError, match="UTF-8"):
        latin = _write(tmp_path, "pair_id,before,after\nP1,Jürgen.png,a.png\n", encoding="latin-1")
        read_pairs(latin)
    with pytest.raises(PairsFileError, match="null"):
        read_pairs(_write(tmp_path, "pair_id,before,after\nP1,b\x00,a\n"))


def test_carried_columns_may_not_take_a_summary_column_and_ids_not_an_output_name(tmp_path):
    path = _write(tmp_path, "pair_id,before,after,Status\nP1,b,a,x\n")
    with pytest.raises(PairsFileError, match="'Status' would clash"):
        read_pairs(path, reserved_columns=frozenset(COLUMNS))
    path = _write(tmp_path, "pair_id,before,after\nsummary.csv,b,a\nP2,b,a\n")
    table = read_pairs(path, reserved_ids=frozenset({SUMMARY}))
    assert [p.pair_id for p in table.pairs] == ["P2"]
    assert "batch's own output" in table.problems[0].message
