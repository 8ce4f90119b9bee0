"""List files: one id per line, comments and blanks ignored, every problem with its line number."""

from __future__ import annotations

from pathlib import Path

from netmera_iac.engine.idfile import read_ids, resolve


def test_ids_comments_blanks_and_white_space(tmp_path: Path) -> None:
    path = tmp_path / "vip.txt"
    path.write_text("# VIP customers\n\ncust-ayse\n  user-0001  \r\n# user-0002\nmüşteri-ğ\n")
    assert read_ids(path, "vip.txt") == (["cust-ayse", "user-0001", "müşteri-ğ"], [])


def test_duplicates_and_bad_ids_name_the_lines(tmp_path: Path) -> None:
    path = tmp_path / "vip.txt"
    path.write_text("a\nb\na\nbad\tid\n" + "x" * 257 + "\n")
    ids, problems = read_ids(path, "stacks/t/vip.txt")
    assert ids == ["a", "b"]
    assert problems == [
        "stacks/t/vip.txt: line 3: 'a' is listed more than once (first at line 1)",
        "stacks/t/vip.txt: line 4: not a valid id (value: 'bad\\tid')",
        f"stacks/t/vip.txt: line 5: longer than 256 characters (value: {'x' * 80!r})",
    ]


def test_problems_are_capped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("a\n" * 40)
    _, problems = read_ids(path, "dup.txt")
    assert len(problems) == 26 and problems[-1] == "dup.txt: … and 14 more problem(s) in this file"


def test_files_must_stay_inside_the_stack_folder(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    assert resolve(tmp_path, "lists/a.txt") == (tmp_path / "lists" / "a.txt").resolve()
    assert resolve(tmp_path, "../other/a.txt") is None
    assert resolve(tmp_path, "/etc/passwd") is None


def test_not_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("müşteri\n".encode("latin-1", errors="replace"))
    ids, problems = read_ids(path, "latin1.txt")
    assert problems == ["latin1.txt: line 1: not UTF-8 text (byte 0xfc); save the file as UTF-8"]
    assert ids == []


def test_a_byte_order_mark_is_dropped_not_made_part_of_the_first_id(tmp_path: Path) -> None:
    path = tmp_path / "excel.txt"
    path.write_bytes(b"\xef\xbb\xbfuser-0001\r\nuser-0002\r\n")  # what Notepad and Excel write
    assert read_ids(path, "excel.txt") == (["user-0001", "user-0002"], [])


def test_invisible_characters_and_look_alike_ids_are_named(tmp_path: Path) -> None:
    path = tmp_path / "lists.txt"
    path.write_text("user-0001\nuser\u200b-0002\nJos\u00e9\nJose\u0301\n", encoding="utf-8")
    _, problems = read_ids(path, "lists.txt")
    assert problems == [
        "lists.txt: line 2: 'user\\u200b-0002' holds an invisible character (U+200B ZERO WIDTH SPACE)",
        "lists.txt: line 4: 'Jose\u0301' is 'Jos\u00e9' (line 3) in another Unicode form (equal after NFC): "
        "likely listed twice",
    ]


def test_a_folder_is_not_a_list_file(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    assert read_ids(tmp_path / "lists", "lists") == (
        [],
        ["lists: is a folder, not a list file (one id per line)"],
    )


def test_a_csv_export_is_named_rather_than_sent_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text("ext_id,email\ncust-ayse,ayse@example.com\ncust-mehmet,mehmet@example.com\n")
    assert read_ids(path, "export.txt") == (
        [],
        [
            "export.txt: line 1: looks like CSV (2 columns, header 'ext_id,email'), not a list of one id per "
            "line: keep only the id column, without the header"
        ],
    )
    path.write_text("user,0001\nuser,0002\n")  # ids that hold a comma, under no header: a list
    assert read_ids(path, "ids.txt") == (["user,0001", "user,0002"], [])
