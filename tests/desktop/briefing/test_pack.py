"""Briefing packs parsed back with pypdf: what a reader would check on the printed page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from db.exchange import apply_document, parse_document
from db.queries.briefing_content import PackOptions, gather
from db.services.dataset import load_sample
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.briefing import DEFAULT_MARKING, render_pack
from tests.helpers import TODAY
from tests.helpers.cli import assert_clean_error, run, snapshot

NAMES = {
    "Polish": "Zofia Wójcik-Łęcka of Łódź",
    "Turkish": "Şükrü Öztürk of Iğdır",
    "Vietnamese": "Nguyễn Thị Minh Khai",
    "accented Latin": "Zoë Ní Bhraonáin and José Müller",
}


def _pdf(database: Database, **kwargs) -> PdfReader:  # type: ignore[no-untyped-def]
    options = {
        "today": TODAY,
        "title": "Panel briefing",
        "marking": DEFAULT_MARKING,
        "prepared_by": "Panel secretariat",
    } | kwargs
    with database.session() as session:
        pack = gather(session, PackOptions(**options))
    path = Path(str(database.location.path) + ".pdf")
    path.write_bytes(render_pack(pack))
    return PdfReader(path)


def _pages(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


@pytest.fixture
def sample_file(tmp_path: Path) -> Database:
    database = open_database(resolve_location(str(tmp_path / "pack.sqlite3")), create=True)
    with database.transaction("t") as session:
        load_sample(session, TODAY)
    yield database  # type: ignore[misc]
    database.close()


def test_every_number_and_rating_word_is_in_the_pack(sample_file: Database) -> None:
    reader = _pdf(sample_file, meeting_date=TODAY)
    text = "\n".join(_pages(reader))
    assert "Serious Case Review into the death of Khyra Ishaq" in text
    khyra = text.split("BSCB-SCR-2010: Serious Case Review")[-1]
    for number in range(1, 19):
        assert re.search(rf"\n{number}\n", khyra), number
    for word in ("Red", "Amber", "Green", "Blue"):
        assert word in text
    for grade in ("Good", "Adequate", "Requires improvement"):
        assert grade in text
    assert "Operation Encompass" in text and "Operation Makesafe" in text


def test_marking_and_page_numbers_on_every_page(sample_file: Database) -> None:
    reader = _pdf(sample_file)
    pages = _pages(reader)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert text.count(DEFAULT_MARKING) >= 2, number  # top and bottom
        assert f"Page {number} of {len(pages)}" in text


def test_no_marking_when_asked(sample_file: Database) -> None:
    pages = _pages(_pdf(sample_file, marking=""))
    assert all(DEFAULT_MARKING not in text for text in pages[1:])


def test_every_font_is_embedded_and_none_is_base_14(sample_file: Database) -> None:
    reader = _pdf(sample_file)
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for key in fonts:
            font = fonts[key].get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (
                descendant[0].get_object()["/FontDescriptor"]
                if descendant
                else font.get("/FontDescriptor")
            )
            assert descriptor is not None, f"{font['/BaseFont']} is not embedded"
            assert "/FontFile2" in descriptor.get_object(), font["/BaseFont"]


def test_metadata_without_paths(sample_file: Database) -> None:
    meta = _pdf(sample_file).metadata
    assert meta is not None
    assert meta.title == "Panel briefing"
    assert meta.author == "Panel secretariat"
    assert meta.creator.startswith("casereview ")
    assert "Briefing pack" in (meta.subject or "")
    assert meta.get("/Keywords") == "OFFICIAL-SENSITIVE"  # the marking, for document systems
    assert not any("/" in str(v) and "tmp" in str(v) for v in meta.values())


def test_names_in_several_scripts_extract(tmp_path: Path) -> None:
    database = open_database(resolve_location(str(tmp_path / "names.sqlite3")), create=True)
    doc = parse_document(
        {
            "format": "casereview/1",
            "reviews": [
                {
                    "reference": f"R-{n}",
                    "kind": "learning_review",
                    "title": f"Learning review: {name}",
                    "recommendations": [
                        {"number": "1", "text": f"Meet {name}.", "lead_agencies": [name]}
                    ],
                }
                for n, name in enumerate(NAMES.values())
            ],
        }
    )
    with database.transaction("t") as session:
        apply_document(session, doc)
    text = "\n".join(_pages(_pdf(database)))
    database.close()
    flat = " ".join(text.split())
    for script, name in NAMES.items():
        assert name in flat, script


# Names in Arabic script (fictional). DejaVu Sans covers the Arabic and Persian letters; it
# lacks a few letters only Urdu uses (heh goal, U+06C1), so Urdu names can miss a letter.
RIGHT_TO_LEFT = {"Arabic": "فاطمة الزهراء", "Persian": "پریسا کریمی"}


def test_right_to_left_text_is_joined_and_put_in_visual_order() -> None:
    import unicodedata

    from desktop.briefing.scripts import visual

    for script, name in RIGHT_TO_LEFT.items():
        shown = visual(name)
        # Joined letter forms (presentation forms), in the order they are seen: read right to
        # left and unjoined, they are the name again.
        assert all(0xFB50 <= ord(c) <= 0xFEFC or c == " " for c in shown), script
        assert unicodedata.normalize("NFKC", shown)[::-1] == name, script
    # Latin text beside Arabic keeps its own order (the Unicode bidirectional algorithm);
    # text with no right-to-left letters is untouched.
    assert visual("Amira بن علي (Fenmarsh)") == "Amira ﻲﻠﻋ ﻦﺑ (Fenmarsh)"
    assert visual("Zoë Ní Bhraonáin") == "Zoë Ní Bhraonáin"


def test_arabic_script_names_extract_from_the_pack(tmp_path: Path) -> None:
    import unicodedata

    database = open_database(resolve_location(str(tmp_path / "rtl.sqlite3")), create=True)
    names = [*RIGHT_TO_LEFT.values(), "Amira بن علي (Fenmarsh)"]
    doc = parse_document(
        {
            "format": "casereview/1",
            "reviews": [
                {
                    "reference": "R-RTL",
                    "kind": "learning_review",
                    "title": "Learning review (fictional)",
                    "recommendations": [
                        {"number": str(n), "text": "Meet the family.", "lead_agencies": [name]}
                        for n, name in enumerate(names, start=1)
                    ],
                }
            ],
        }
    )
    with database.transaction("t") as session:
        apply_document(session, doc)
    text = unicodedata.normalize("NFKC", "\n".join(_pages(_pdf(database))))
    database.close()
    flat = " ".join(text.split())
    for script, name in RIGHT_TO_LEFT.items():
        assert name in flat, script
    assert "Amira" in flat and "(Fenmarsh)" in flat
    assert "\x00" not in text  # every letter had a glyph


def test_an_empty_database_gives_a_short_valid_pack(tmp_path: Path) -> None:
    database = open_database(resolve_location(str(tmp_path / "empty.sqlite3")), create=True)
    reader = _pdf(database)
    database.close()
    pages = _pages(reader)
    assert len(pages) == 2
    assert "nothing to report" in pages[1]


def test_changes_since_a_date(sample_file: Database) -> None:
    text = "\n".join(_pages(_pdf(sample_file, since=TODAY.replace(month=9, day=1))))
    assert "Changes since 1 September 2026" in text
    assert "Action plan sent to the inspectorate" in " ".join(text.split())


def test_a_long_table_has_its_heading_at_the_top_of_each_page_and_nowhere_else(
    tmp_path: Path,
) -> None:
    """A trial's 8,000-item pack showed the "Changes since" heading row part-way down a page:
    the table is laid out 30 rows at a time (one long table takes time growing with the
    square of its rows), and each part had its own heading. Now the heading row is at the
    table's start and at the top of each page it runs on to, once, and every row is there,
    in order, one of them long enough to be split across a page."""
    import datetime as dt

    from db.core.vocabulary import ReviewKind
    from db.exchange.document import Document, ReviewDoc, TrackedDoc, UpdateDoc

    day = TODAY - dt.timedelta(days=2)
    long_note = ("The lead officer reported progress at length. " * 220).strip()
    doc = Document(
        reviews=[
            ReviewDoc(
                reference="LONG-1",
                kind=ReviewKind.SAR,
                title="Adult L (fictional)",
                recommendations=[
                    TrackedDoc(
                        str(n),
                        f"Item {n}.",
                        updates=[
                            UpdateDoc(day, "tester", note=long_note if n == 77 else f"Step {n}.")
                        ],
                    )
                    for n in range(1, 241)
                ],
            )
        ]
    )
    database = open_database(resolve_location(str(tmp_path / "long.sqlite3")), create=True)
    with database.transaction("t") as session:
        apply_document(session, doc)
    pages = _pages(_pdf(database, since=day))
    database.close()
    heading = re.compile(r"Date\s+Source\s+No\.\s+Change")
    first = next(n for n, text in enumerate(pages) if text.startswith("Changes since"))
    end = next(n for n, text in enumerate(pages) if text.startswith("Reviews"))
    assert end - first >= 4  # the table runs over several pages
    assert [len(heading.findall(text)) for text in pages[first:end]] == [1] * (end - first)
    table = " ".join(" ".join(pages[first:end]).split())
    steps = [int(m) for m in re.findall(r"Step (\d+)\.", table)]
    assert steps == [n for n in range(1, 241) if n != 77]
    assert table.count("reported progress at length.") == 220


# ----------------------------------------------------------------------------- the command


def test_brief_command_writes_a_pack(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    assert run("demo", "--db", str(db), cwd=tmp_path).returncode == 0
    result = run(
        "brief",
        "--db",
        str(db),
        "-o",
        "pack.pdf",
        "--meeting-date",
        "2026-12-10",
        "--review",
        "FSCP-CSPR-CHILD-A",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    text = "\n".join(_pages(PdfReader(tmp_path / "pack.pdf")))
    assert "FSCP-CSPR-CHILD-A" in text and "BSCB-SCR-2010" not in text


@pytest.mark.parametrize(
    ("args", "fragment", "code"),
    [
        (["--meeting-date", "2026-02-30"], "'2026-02-30' is not a real date", 2),
        (["--since", "yesterday"], "is not a date in the form YYYY-MM-DD", 2),
        (["--review", "NOPE"], "no review or inspection with the reference 'NOPE'", 1),
        (["--inspection", "NOPE-2"], "reference 'NOPE-2'", 1),
        (
            ["--inspection", "FSCP-CSPR-CHILD-A"],
            "FSCP-CSPR-CHILD-A is a review, not an inspection: use --review FSCP-CSPR-CHILD-A",
            1,
        ),
        (
            ["--review", "FICTIONAL-CP-INSPECTION-1", "--review", "FSCP-CSPR-CHILD-A"],
            "FICTIONAL-CP-INSPECTION-1 is an inspection, not a review: "
            "use --inspection FICTIONAL-CP-INSPECTION-1",
            1,
        ),
    ],
)
def test_bad_arguments_give_a_clear_error_and_no_file(
    tmp_path: Path, args: list[str], fragment: str, code: int
) -> None:
    db = tmp_path / "d.sqlite3"
    assert run("demo", "--db", str(db), cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    result = run("brief", "--db", str(db), "-o", "pack.pdf", *args, cwd=tmp_path)
    assert_clean_error(result, fragment, code=code)
    assert snapshot(tmp_path) == before


def test_the_output_must_be_a_pdf_or_a_word_document(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    run("demo", "--db", str(db), cwd=tmp_path)
    assert_clean_error(
        run("brief", "--db", str(db), "-o", "pack.odt", cwd=tmp_path),
        "ending .pdf or .docx",
        code=2,
    )


def test_redaction_leaves_no_name_behind(sample_file: Database) -> None:
    names = ("Khyra", "Ishaq", "Amelia", "Thorne")
    plain = " ".join(" ".join(_pages(_pdf(sample_file))).split())
    assert all(name in plain for name in names)  # the pack names them unless asked not to
    reader = _pdf(sample_file, redact=True, title="Briefing on Khyra Ishaq")
    redacted = " ".join(" ".join(_pages(reader)).split())
    for name in names:
        assert name.lower() not in redacted.lower(), name
    assert name.lower() not in str(reader.metadata).lower()
    assert "Child A" in redacted and "[name withheld]" in redacted


def test_changes_since_include_status_changes_only_in_the_audit_trail(
    sample_file: Database,
) -> None:
    from sqlalchemy import select

    from db.core.vocabulary import Status
    from db.store.models import Recommendation, Review

    with sample_file.transaction("Data officer") as session:  # an edit with no progress entry
        rec = session.scalars(
            select(Recommendation)
            .join(Review)
            .where(Review.reference == "FSCP-CSPR-CHILD-A", Recommendation.number == "5")
        ).one()
        rec.status = Status.IN_PROGRESS
    since = __import__("datetime").date.today()
    text = " ".join(" ".join(_pages(_pdf(sample_file, since=since))).split())
    assert "Status changed from not started to in progress by Data officer" in text


def test_pages_render_to_images(sample_file: Database, tmp_path: Path) -> None:
    """pdftoppm (poppler, installed by .ci/run) reads every page; none comes out blank."""
    import os
    import shutil
    import subprocess

    from PIL import Image

    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must install poppler-utils for pdftoppm")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    reader = _pdf(sample_file)
    pdf = Path(str(sample_file.location.path) + ".pdf")
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(reader.pages)
    for image in images:
        with Image.open(image) as picture:
            darkest, lightest = picture.convert("L").getextrema()
            assert darkest < 100 < lightest, f"{image.name} looks blank"


def test_a_backdated_status_change_is_listed_once(sample_file: Database) -> None:
    import datetime as dt

    from db.core.vocabulary import Status
    from db.services import editing
    from db.services.editing import ItemKey
    from db.store import lifecycle

    with sample_file.transaction("Lead") as session:
        rec = editing.item_by_key(session, ItemKey("FSCP-CSPR-CHILD-A", "5"))
        lifecycle.record_update(
            session,
            rec.id,
            on=dt.date.today() - dt.timedelta(days=3),
            author="Lead",
            note="Started late",
            status=Status.IN_PROGRESS,
        )
    with sample_file.session() as session:
        pack = gather(
            session,
            PackOptions(
                today=TODAY,
                title="T",
                marking="",
                prepared_by="P",
                since=dt.date.today() - dt.timedelta(days=7),
            ),
        )
    fives = [c for c in pack.changes if c.source == "FSCP-CSPR-CHILD-A" and c.number == "5"]
    assert [c.what for c in fives] == ["Status to in progress. Started late"]


def test_a_line_beginning_with_an_arabic_name_still_reads_left_to_right() -> None:
    from desktop.briefing.scripts import visual

    shown = visual("فاطمة الزهراء was seen by the GP on 3 May (twice)")
    assert shown.endswith(" was seen by the GP on 3 May (twice)")


def test_a_pack_is_gathered_again_if_someone_saves_while_it_is_made(
    sample_file: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.queries import briefing_content as briefing
    from db.queries.briefing_content import make_pack
    from db.store.audit import record

    real = briefing.gather
    calls = []

    def gather_then_someone_saves(session, options):  # type: ignore[no-untyped-def]
        pack = real(session, options)
        calls.append(1)
        if len(calls) == 1:
            with sample_file.transaction("Someone Else") as other:
                record(other, entity="exports", entity_id="plan.csv")
        return pack

    monkeypatch.setattr(briefing, "gather", gather_then_someone_saves)
    pack = make_pack(
        sample_file,
        "Tester",
        purpose="file",
        options=PackOptions(today=TODAY, title="T", marking="", prepared_by="T"),
    )
    assert len(calls) == 2  # gathered again, after the other save
    with sample_file.session() as session:
        from sqlalchemy import func, select

        from db.store.models import AuditEntry

        total = session.scalar(select(func.count()).select_from(AuditEntry))
        newest = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert pack.audit_entries == total and newest is not None
    assert (newest.entity, newest.hash) == ("briefing packs", pack.audit_head)


def test_a_pack_for_a_missing_folder_is_refused_before_anything_is_recorded(
    tmp_path: Path,
) -> None:
    db = tmp_path / "panel.sqlite3"
    assert run("demo", "--db", str(db), cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    assert_clean_error(
        run("brief", "--db", str(db), "-o", "nowhere/pack.pdf", cwd=tmp_path), "does not exist"
    )
    assert snapshot(tmp_path) == before  # not even an audit entry in the database


def test_an_update_longer_than_a_page_is_printed_whole(sample_file: Database) -> None:
    """The latest update is printed in full in its narrow column, across pages if need be
    (a row taller than a page once stopped the pack being made at all)."""
    from db.services import editing
    from db.services.editing import ItemKey
    from db.store import lifecycle

    words = " ".join(f"step{n:04d}" for n in range(1, 700))
    with sample_file.transaction("Lead") as session:
        rec = editing.item_by_key(session, ItemKey("FSCP-CSPR-CHILD-A", "5"))
        lifecycle.record_update(session, rec.id, on=TODAY, author="Lead", note=words)
    text = " ".join(_pages(_pdf(sample_file)))
    steps = [int(m) for m in re.findall(r"step(\d{4})", text)]
    assert steps == list(range(1, 700))


# ------------------------------------------------------------------ contents over many pages


# A review's line in the contents, as pypdf extracts it: the heading, then its page number.
CONTENTS_ENTRY = re.compile(r"^(GEN-1-\d{5}): [^\n]*\n(\d+)$", re.M)


def _generated(tmp_path: Path, reviews: int, recommendations: int = 0) -> Database:
    """A database of ``reviews`` generated reviews sharing ``recommendations`` items (none
    unless asked: quick to render)."""
    from db.services.generate import generate

    database = open_database(resolve_location(str(tmp_path / f"{reviews}.sqlite3")), create=True)
    with database.transaction("t") as session:
        generate(session, reviews=reviews, recommendations=recommendations, seed=1, today=TODAY)
    return database


def test_a_pack_of_500_reviews_lists_each_on_its_page(tmp_path: Path) -> None:
    """Contents over many pages: each of its links is a new annotation (once, the second
    page's links took the first page's names and the pack could not be saved)."""
    database = _generated(tmp_path, 500)
    reader = _pdf(database)
    database.close()
    pages = _pages(reader)
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text, number
    contents_pages = [n for n, text in enumerate(pages) if CONTENTS_ENTRY.search(text)]
    assert contents_pages == list(range(1, 1 + len(contents_pages)))
    assert len(contents_pages) == -(-(500 + 2 + 2) // 46)  # two title lines, two kinds' entries
    contents = "\n".join(pages[n] for n in contents_pages)
    listed = {ref: int(page) for ref, page in CONTENTS_ENTRY.findall(contents)}
    assert sorted(listed) == [f"GEN-1-{n:05d}" for n in range(1, 501)]
    for reference, page in listed.items():
        assert re.search(rf"^{reference}: Child", pages[page - 1], re.M), reference
    # Every line of the contents links to its heading, each link an annotation of its own.
    links = [a for n in contents_pages for a in reader.pages[n].get("/Annots", [])]
    assert len(links) == 500 + 2


def test_a_pack_of_many_reviews_has_every_review_with_all_its_items(tmp_path: Path) -> None:
    """Issue 26: a pack of 500 reviews and 8,000 items must build (benchmarks/briefing.py
    builds that one). Here 120 reviews share 1,500 items: after the contents, each review's
    heading comes once, in order, and its section holds every one of its items in order (the
    item's number, then the first line of its text)."""
    from reportlab.lib.pagesizes import A4

    from desktop.briefing.pack import MARGIN, _short, _wrap

    database = _generated(tmp_path, 120, 1_500)
    with database.session() as session:
        pack = gather(
            session, PackOptions(today=TODAY, title="Panel briefing", marking="", prepared_by="t")
        )
    pages = _pages(_pdf(database))
    database.close()
    assert len(pack.reviews) == 120 and len(pack.items) == 1_500
    contents = [n for n, text in enumerate(pages) if CONTENTS_ENTRY.search(text)]
    # The text after the contents, without the spaces and line breaks that wrapping moves.
    body = re.sub(r"\s", "", "".join(pages[contents[-1] + 1 :]))
    text_column = (A4[0] - 2 * MARGIN) * 0.23
    starts = []
    for review in pack.reviews:
        heading = re.sub(r"\s", "", f"{review.reference}: {review.title}")
        assert body.count(heading) == 1, review.reference
        starts.append(body.index(heading))
    assert starts == sorted(starts)
    for review, start, end in zip(pack.reviews, starts, [*starts[1:], len(body)], strict=True):
        at = start
        for item in review.items:
            first_line = _wrap(_short(item.text)[0], text_column)[0].replace(" ", "")
            at = body.find(f"{item.number}{first_line}", at, end)
            assert at >= 0, (review.reference, item.number)


def _drawn(page: Any) -> list[tuple[str, float]]:
    """Each piece of text on a page with the height of its baseline, in points."""
    drawn: list[tuple[str, float]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, *_: drawn.append((text, tm[5] + cm[5])))
    return drawn


def _contents_text_below(reader: PdfReader, bottom: float) -> list[tuple[int, str, float]]:
    """Text on the contents pages drawn lower than ``bottom``, other than the footer."""
    footer = re.compile(rf"^({DEFAULT_MARKING}|Panel briefing|Page \d+ of \d+)$")
    low: list[tuple[int, str, float]] = []
    for number, page in enumerate(reader.pages[1:], start=2):
        if not CONTENTS_ENTRY.search(page.extract_text()):
            break  # past the contents
        low += [
            (number, text, y)
            for text, y in _drawn(page)
            if text.strip() and y < bottom and not footer.match(text.strip())
        ]
    return low


@pytest.mark.parametrize("reviews", [42, 43, 44, 45, 90])
def test_the_contents_never_reach_the_footer(tmp_path: Path, reviews: int) -> None:
    """46 entries (44 reviews) once put the last one over the footer rule; 45 and more
    continue on a second page, below the first page's title lines."""
    from reportlab.lib.units import mm

    from desktop.briefing.pack import MARGIN

    database = _generated(tmp_path, reviews)
    reader = _pdf(database)
    database.close()
    frame_bottom = MARGIN + 6 * mm  # the footer rule is 17.5 mm up, below this
    assert _contents_text_below(reader, frame_bottom) == []
    assert len(CONTENTS_ENTRY.findall("\n".join(_pages(reader)))) == reviews


# ------------------------------------------------------------------------------- redaction

# Names to withhold (fictional), in scripts whose letters case-fold, compose or decompose in
# ways a naive pattern misses: "ß" folds to "ss", "İ" to "i" and a combining dot, Vietnamese
# and Greek letters carry stacked accents that NFD splits off.
WITHHELD = {
    "German": "Lena Weiß",
    "Turkish": "İbrahim Yılmaz",
    "Polish": "Zofia Wójcik-Łęcka",
    "Vietnamese": "Nguyễn Thị Minh Khai",
    "Greek": "Νίκος Παπαδόπουλος",
    "Cyrillic": "Алёна Иванова",
    "Arabic": "فاطمة الزهراء",
}


def _forms(name: str) -> dict[str, str]:
    """A name as people type it: composed or not, in capitals, over a line break."""
    import unicodedata

    parts = name.split()
    return {
        "NFC": unicodedata.normalize("NFC", name),
        "NFD": unicodedata.normalize("NFD", name),
        "capitals": name.upper(),
        "capitals, NFD": unicodedata.normalize("NFD", name.upper()),
        "over a line break": "\n".join(parts),
        "spaced": "   ".join(unicodedata.normalize("NFD", part) for part in parts),
    }


def _reading(text: str) -> str:
    """Text as a reader compares names: letters without accents, one case, one space."""
    import unicodedata

    bare = "".join(
        c
        for c in unicodedata.normalize("NFKD", text)
        if not unicodedata.category(c).startswith("M")
    )
    return " ".join(bare.casefold().replace("ı", "i").split())


def test_redaction_withholds_names_however_they_are_typed(tmp_path: Path) -> None:
    from sqlalchemy import select

    from db.store.models import Review

    database = open_database(resolve_location(str(tmp_path / "names.sqlite3")), create=True)
    forms = {
        (script, how): form
        for script, name in WITHHELD.items()
        for how, form in _forms(name).items()
    }
    doc = parse_document(
        {
            "format": "casereview/1",
            "reviews": [
                {
                    "reference": "R-NAMES",
                    "kind": "learning_review",
                    "title": f"Learning review: {forms['German', 'capitals']}",
                    "anonymised_label": "Child B",
                    "names_to_redact": list(WITHHELD.values()),
                    "summary": " ".join(f"{form} was seen." for form in forms.values()),
                    "recommendations": [
                        {
                            "number": str(n),
                            "text": f"Agencies should meet {form} and her family.",
                            "updates": [
                                {"date": "2026-11-01", "author": "Lead", "note": f"Met {form}."}
                            ],
                        }
                        for n, form in enumerate(forms.values(), start=1)
                    ],
                }
            ],
        }
    )
    with database.transaction("t") as session:
        apply_document(session, doc)
        review = session.scalars(select(Review)).one()
        review.summary = f"Met {forms['Turkish', 'NFD']} (twice) and the Weißmann family."
    with database.session() as session:
        pack = gather(
            session, PackOptions(today=TODAY, title="T", marking="", prepared_by="P", redact=True)
        )
    # The name is replaced in the text as it was written; the text around it is kept as it is.
    assert pack.reviews[0].summary == "Met Child B (twice) and the Weißmann family."
    plain = _reading("\n".join(_pages(_pdf(database))))
    redacted_pdf = _pdf(database, redact=True, title=f"Briefing on {WITHHELD['Turkish']}")
    database.close()
    redacted = _reading("\n".join(_pages(redacted_pdf)))
    meta = _reading(str(redacted_pdf.metadata))
    assert "child b" in redacted
    for script, name in WITHHELD.items():
        for part in re.split(r"[\s-]+", _reading(name)):
            word = rf"(?<!\w){re.escape(part)}(?!\w)"
            assert re.search(word, plain), (script, part)  # printed when not asked to withhold
            assert not re.search(word, redacted), (script, part)
            assert not re.search(word, meta), (script, part)


# ------------------------------------------------------------------- the trail of packs made


def _newest_entries(database: Database, count: int) -> list[tuple[str, str, dict[str, Any]]]:
    import json

    from sqlalchemy import select

    from db.store.models import AuditEntry

    with database.session() as session:
        entries = session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(count)
        ).all()
    return [(e.entity, e.entity_id, json.loads(e.new or "{}")) for e in reversed(entries)]


def test_a_pack_that_fails_to_render_is_recorded_as_not_made(
    sample_file: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Fault injection: the renderer fails as it once did past 45 reviews. The trail keeps
    the entry the pack was to state, and then says that the pack was not made."""
    import desktop.briefing
    from desktop import cli

    def failing_render(pack: object) -> bytes:
        raise ValueError("redefining named object: 'Annot.NUMBER1'")

    monkeypatch.setattr(desktop.briefing, "render_pack", failing_render)
    path = str(sample_file.location.path)
    monkeypatch.delenv("CASEREVIEW_DEBUG", raising=False)
    code = cli.main(["brief", "--db", path, "-o", str(tmp_path / "pack.pdf"), "--title", "Dec"])
    assert code == 1
    (said,) = capsys.readouterr().err.splitlines()  # one line, without the error's own text
    assert "fault of its own (ValueError)" in said and "redefining" not in said
    assert not (tmp_path / "pack.pdf").exists()
    made, failed = _newest_entries(sample_file, 2)
    assert made[:2] == failed[:2] == ("briefing packs", "Dec")
    assert made[2]["purpose"] == "file" and "not made" not in made[2]
    assert failed[2] == {"purpose": "file", "not made": "it could not be made (ValueError)"}


def test_a_pack_written_is_recorded_once(sample_file: Database, tmp_path: Path) -> None:
    from desktop import cli

    path = str(sample_file.location.path)
    assert (
        cli.main(["brief", "--db", path, "-o", str(tmp_path / "pack.pdf"), "--title", "Dec"]) == 0
    )
    entries = _newest_entries(sample_file, 2)
    assert entries[1][:2] == ("briefing packs", "Dec") and "not made" not in entries[1][2]
    assert entries[0][0] != "briefing packs"


def test_an_inspection_s_recommendation_and_area_for_improvement_of_one_number_are_told_apart(
    sample_file: Database,
) -> None:
    """Noticed in the meetings work: the changes table printed an inspection's recommendation 1
    and its area for improvement 1 both as "1"; it prints "1" and "AFI 1", as the items'
    tables do, in the PDF and in the Word copy."""
    import datetime as dt

    from db.core.vocabulary import TrackedKind
    from db.services import editing
    from db.services.editing import ItemKey
    from db.store import lifecycle
    from desktop.briefing.word import render_pack_docx
    from tests.helpers.word import all_text, open_docx

    inspection = "FICTIONAL-CP-INSPECTION-2"
    on = TODAY - dt.timedelta(days=1)
    with sample_file.transaction("Lead") as session:
        for kind, note in (
            (TrackedKind.RECOMMENDATION, "Recommendation progress noted"),
            (TrackedKind.AREA_FOR_IMPROVEMENT, "Improvement progress noted"),
        ):
            rec = editing.item_by_key(session, ItemKey(inspection, "1", kind))
            lifecycle.record_update(session, rec.id, on=on, author="Lead", note=note)
    options = PackOptions(today=TODAY, title="T", marking="", prepared_by="P", since=on)
    with sample_file.session() as session:
        pack = gather(session, options)
    made = [c for c in pack.changes if c.source == inspection and c.on == on]
    assert sorted((c.kind, c.what) for c in made) == [
        ("Area for improvement", "Improvement progress noted"),
        ("Recommendation", "Recommendation progress noted"),
    ]
    pdf = " ".join(" ".join(_pages(_pdf(sample_file, since=on))).split())
    assert "AFI 1 Improvement progress noted" in pdf
    assert "1 Recommendation progress noted" in pdf
    word = Path(str(sample_file.location.path) + ".docx")
    word.write_bytes(render_pack_docx(pack))
    text = " ".join(all_text(open_docx(word)).split())
    assert "AFI 1" in text and "Improvement progress noted" in text
