"""The ``casereview`` command.

Without a subcommand it opens the window; the subcommands work without a display and never
import Qt or ReportLab. Expected errors print one line on stderr and exit non-zero, leaving
every file as it was.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import gc
import io
import json
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, cast

from db.core.errors import CaseReviewError, RuleError
from db.core.vocabulary import DecisionKind
from db.store.logs import cause, set_up
from desktop import __version__
from desktop.files import check_target, write_atomically

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from db.core.vocabulary import TrackedKind
    from db.exchange import Document
    from db.exchange.spreadsheets import TrackerFile
    from db.queries.briefing_content import Pack
    from db.queries.similar import Repeat
    from db.services.dataset import Counts
    from db.services.editing import ItemKey
    from db.services.meetings import MeetingKey, SourceKey
    from db.services.merge import Answer, MergePlan
    from db.store.cipher import Passphrase
    from db.store.database import Database
    from db.store.location import Location
    from db.store.quick_check import QuickCheck

# Taken at import, before the window's modules load, so --exit-when-ready times all of start-up.
STARTED_AT = time.perf_counter()
PROG = "casereview"
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
# Set to 1, a fault in casereview itself ends in Python's traceback instead of one sentence.
DEBUG = "CASEREVIEW_DEBUG"
_log = logging.getLogger(__name__)
# The window's and the command's logging is silent until the log file is set up
# (``db.store.logs.set_up``); here, not in the package, which imports nothing.
logging.getLogger("desktop").addHandler(logging.NullHandler())


class UsageError(CaseReviewError):
    """The command line itself is wrong."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the user is told what to fix and where to look.
        raise UsageError(f"{message} (see '{PROG} --help')")


def _db_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        type=_database,
        default=default,
        help="an SQLite file or a database URL (default: $CASEREVIEW_DB, else a file in your "
        "user data folder)",
    )
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        default=default if default is argparse.SUPPRESS else False,
        help="read the encrypted database's passphrase from the first line of standard input "
        "(for scripts; otherwise casereview asks for it); with a new database, encrypt it",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Track the learning from safeguarding case reviews and inspections. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _db_option(parser, None)
    parser.add_argument(
        "--exit-when-ready",
        action="store_true",
        help="open the window, print the seconds it took to be ready on stderr, and exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = commands.add_parser("demo", help="create a database holding the sample data")
    _db_option(demo, argparse.SUPPRESS)
    demo.add_argument(
        "--force",
        action="store_true",
        help="replace the data of a database that already holds some",
    )

    export = commands.add_parser(
        "export",
        help="write the data to a file: an Excel or Word action plan, CSV or casereview JSON",
    )
    _db_option(export, argparse.SUPPRESS)
    export.add_argument(
        "--format",
        choices=["xlsx", "csv", "json", "docx"],
        default=None,
        help="file format (default: from the file name's ending, else json)",
    )
    export.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the file to write, or - for stdout"
    )
    export.add_argument(
        "--review",
        action="append",
        type=_reference,
        default=[],
        metavar="REF",
        help="only this review (repeat for several)",
    )

    imp = commands.add_parser(
        "import", help="add and update data from a tracker (.xlsx, .xls, .csv) or a JSON file"
    )
    _db_option(imp, argparse.SUPPRESS)
    imp.add_argument(
        "file", metavar="FILE", help="an Excel or CSV tracker, or a casereview/1 JSON file"
    )
    imp.add_argument("--sheet", type=_sheet, metavar="NAME", help="the sheet holding the tracker")
    imp.add_argument(
        "--review",
        type=_reference,
        metavar="REF",
        help="the review the recommendations belong to (default: named from the file)",
    )
    imp.add_argument(
        "--mapping",
        metavar="MAP.json",
        help="which columns and status words mean what (see docs/spreadsheets.md)",
    )
    imp.add_argument(
        "--leave-out",
        action="append",
        default=[],
        metavar="COLUMN",
        help="leave this column (its heading as written, or its letter) out of the import; "
        "without it, a column casereview does not recognise is kept as notes in each item's "
        "log (repeat for several)",
    )
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="report what would be added and updated, and write nothing",
    )

    backup = commands.add_parser("backup", help="copy the database to a backup file, checked")
    _db_option(backup, argparse.SUPPRESS)
    backup.add_argument("-o", "--output", required=True, metavar="FILE", help="the backup to write")

    restore = commands.add_parser(
        "restore",
        help="replace the database with a backup, keeping a copy of what it replaces",
    )
    _db_option(restore, argparse.SUPPRESS)
    restore.add_argument("backup_file", metavar="FILE", help="the backup to restore")

    check = commands.add_parser("check", help="check that a database is sound")
    _db_option(check, argparse.SUPPRESS)

    brief = commands.add_parser(
        "brief", help="write a briefing pack (PDF or Word) for a panel meeting"
    )
    _db_option(brief, argparse.SUPPRESS)
    brief.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the .pdf or .docx file to write"
    )
    brief.add_argument(
        "--title",
        type=_text("title", "TITLE"),
        default="Case review briefing pack",
        metavar="TEXT",
    )
    brief.add_argument("--meeting-date", type=_iso_date, metavar="YYYY-MM-DD")
    brief.add_argument(
        "--meeting",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the pack of the meeting held that day: in its agenda's order, with the changes "
        "since the meeting before (unless --since says)",
    )
    _meeting_title_option(brief)
    brief.add_argument(
        "--since", type=_iso_date, metavar="YYYY-MM-DD", help="list the changes made since this day"
    )
    brief.add_argument("--review", action="append", type=_reference, default=[], metavar="REF")
    brief.add_argument("--inspection", action="append", type=_reference, default=[], metavar="REF")
    brief.add_argument(
        "--marking",
        type=_marking,
        default=None,
        metavar="TEXT",
        help='protective marking on every page (default OFFICIAL-SENSITIVE; "" for none)',
    )
    brief.add_argument(
        "--prepared-by", type=_text("name", "NAME", one_line=True), default=None, metavar="NAME"
    )
    brief.add_argument(
        "--redact",
        action="store_true",
        help="replace the names of children and family members with each review's label",
    )

    gen = commands.add_parser(
        "generate", help="create a large, fictional data set for trying casereview at scale"
    )
    _db_option(gen, argparse.SUPPRESS)
    gen.add_argument(
        "--reviews",
        type=_count(1, MAX_REVIEWS),
        required=True,
        metavar="N",
        help=f"1 to {MAX_REVIEWS:,}",
    )
    gen.add_argument(
        "--recommendations",
        type=_count(0, MAX_RECOMMENDATIONS),
        required=True,
        metavar="M",
        help=f"0 to {MAX_RECOMMENDATIONS:,}",
    )
    gen.add_argument("--seed", type=_count(0), default=1, metavar="S", help="default 1")
    gen.add_argument(
        "--force", action="store_true", help="replace the data of a database that holds some"
    )

    encrypt = commands.add_parser(
        "encrypt",
        help="encrypt an SQLite database, and the copies kept beside it, with a passphrase",
    )
    _db_option(encrypt, argparse.SUPPRESS)
    _meeting_parsers(commands)
    _checkout_parser(commands)
    _merge_parser(commands)
    _similar_parser(commands)
    _themes_parser(commands)
    return parser


def _themes_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """``themes``: the managed list of learning themes (db.services.themes)."""
    themes = commands.add_parser(
        "themes",
        help="list the learning themes with how many items and reviews carry each; rename one, "
        "or merge one into another",
    )
    _db_option(themes, argparse.SUPPRESS)
    change = themes.add_mutually_exclusive_group()
    change.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), help="rename a theme")
    change.add_argument("--merge", metavar="OLD", help="merge this theme into --into")
    themes.add_argument("--into", metavar="THEME", help="the theme --merge keeps")


def _similar_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """``similar``: earlier learning like a text or an item (db.queries.similar)."""
    similar = commands.add_parser(
        "similar",
        help="list the items of other reviews and inspections that carry the same learning "
        "as a text or an item (for an item, of those published before its own), best first, "
        "whatever their score (the window offers those from 0.15)",
    )
    _db_option(similar, argparse.SUPPRESS)
    asked = similar.add_mutually_exclusive_group(required=True)
    asked.add_argument("--text", type=_query, help="the learning to look for")
    asked.add_argument(
        "--review", type=_reference, metavar="REF", help="the review (or inspection) of --number"
    )
    similar.add_argument("--number", metavar="N", help="the item of --review to look for")
    similar.add_argument(
        "--limit", type=_count(1, 100), default=5, metavar="K", help="at most K (default 5)"
    )
    similar.add_argument("--format", choices=["text", "json"], default="text")


def _merge_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """``merge``: a copy taken offline, back into its database (db.services.merge)."""
    merge = commands.add_parser(
        "merge",
        help="merge a copy taken offline back into the database it was taken from; "
        "conflicts are listed, and answered with --prefer or --answers",
    )
    merge.add_argument("copy", metavar="COPY", help="the copy's SQLite file")
    _db_option(merge, argparse.SUPPRESS)
    merge.add_argument(
        "--dry-run",
        action="store_true",
        help="list what the merge would write and its conflicts, and write nothing",
    )
    merge.add_argument(
        "--prefer",
        choices=("copy", "shared"),
        help="answer every conflict with the copy's value or the shared database's",
    )
    merge.add_argument(
        "--answers",
        metavar="FILE",
        help="answer the conflicts from FILE, as --write-answers writes it and you filled in",
    )
    merge.add_argument(
        "--write-answers",
        metavar="FILE",
        help="with --dry-run: write the conflicts to FILE (JSON), each to be answered by "
        'setting "take" to "copy" or "shared", or "value" to the text wanted',
    )
    merge.epilog = (
        "With --passphrase-stdin, standard input holds the encrypted shared database's "
        "passphrase on its first line, then the copy's, when the copy is encrypted with "
        "another (a copy of an encrypted file takes its passphrase, so one line is enough)."
    )


def _checkout_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """``checkout``: a copy to take to a meeting (db.services.checkout)."""
    checkout = commands.add_parser(
        "checkout",
        help="copy the database, or a meeting's agenda or chosen reviews and inspections, into "
        "a new SQLite file to work on offline and merge back later",
    )
    _db_option(checkout, argparse.SUPPRESS)
    checkout.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the new SQLite file to write"
    )
    checkout.add_argument(
        "--meeting",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="what the meeting held that day needs: it, its agenda's reviews and inspections, "
        "and the meeting before",
    )
    _meeting_title_option(checkout)
    checkout.add_argument(
        "--review",
        action="append",
        type=_reference,
        default=[],
        metavar="REF",
        help="this review (repeat for several)",
    )
    checkout.add_argument(
        "--inspection",
        action="append",
        type=_reference,
        default=[],
        metavar="REF",
        help="this inspection (repeat for several)",
    )


def _meeting_parsers(commands: argparse._SubParsersAction[_Parser]) -> None:
    """``meeting add|agenda|decide`` and ``minutes``."""
    meeting = commands.add_parser(
        "meeting", help="add a panel meeting, propose its agenda, record its decisions"
    )
    actions = meeting.add_subparsers(
        dest="meeting_command", metavar="ACTION", parser_class=_Parser, required=True
    )
    add = actions.add_parser("add", help="add a meeting")
    _db_option(add, argparse.SUPPRESS)
    add.add_argument("--date", type=_iso_date, required=True, metavar="YYYY-MM-DD")
    add.add_argument(
        "--title",
        type=_text("title", "NAME", one_line=True, blank=True),
        required=True,
        metavar="TEXT",
    )
    add.add_argument("--chair", type=_text("chair", "NAME", one_line=True), metavar="NAME")

    agenda = actions.add_parser(
        "agenda",
        help="propose the meeting's agenda and print it (--accept stores it); or add one "
        "entry to the agenda stored, or remove one",
    )
    _db_option(agenda, argparse.SUPPRESS)
    _meeting_option(agenda)
    change = agenda.add_mutually_exclusive_group()
    change.add_argument(
        "--accept",
        action="store_true",
        help="store the proposed agenda as the meeting's, keeping first what the meeting "
        "has decided about",
    )
    change.add_argument(
        "--add",
        type=_item,
        metavar="REF:NUMBER|REF",
        help="add an item, or a whole review or inspection (REF alone), at the end of the "
        "agenda stored",
    )
    change.add_argument(
        "--remove",
        type=_item,
        metavar="REF:NUMBER|REF",
        help="take an item, or a whole review or inspection, off the agenda stored",
    )
    agenda.add_argument(
        "--kind",
        choices=[*_ITEM_KINDS, *_SOURCE_KINDS],
        help="with --add or --remove: which item, when an inspection numbers a recommendation "
        "and an area for improvement alike; or, with REF alone, review or inspection when "
        "both have it",
    )
    agenda.add_argument(
        "--reason",
        type=_text("reason", "TITLE", one_line=True, blank=True),
        metavar="TEXT",
        help=f'with --add: why it is on the agenda (else "{_ADDED}", as in the window)',
    )

    decide = actions.add_parser(
        "decide",
        help="record the meeting's decision about an item, or a whole review or inspection",
    )
    _db_option(decide, argparse.SUPPRESS)
    _meeting_option(decide)
    decide.add_argument(
        "--item",
        type=_item,
        required=True,
        metavar="REF:NUMBER|REF",
        help="the item: its review's or inspection's reference and its number; or the "
        "reference alone for the whole review or inspection on the agenda",
    )
    decide.add_argument(
        "--kind",
        choices=[*_ITEM_KINDS, *_SOURCE_KINDS],
        help="which item, when an inspection numbers a recommendation and an area for "
        "improvement alike; or, with REF alone, review or inspection when both have it",
    )
    decide.add_argument("--decision", choices=[kind.value for kind in DecisionKind], required=True)
    decide.add_argument(
        "--until",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the new target (extended), or when the evidence is due (evidence-requested)",
    )
    decide.add_argument(
        "--whom",
        type=_text("name", "NAME", one_line=True),
        metavar="NAME",
        help="whom the evidence is requested from, or the item is escalated to",
    )
    decide.add_argument("--note", type=_text("note", "TEXT"), default="", metavar="TEXT")

    minutes = commands.add_parser(
        "minutes", help="write a meeting's minutes and action log (PDF or Word)"
    )
    _db_option(minutes, argparse.SUPPRESS)
    _meeting_option(minutes)
    minutes.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the .pdf or .docx file to write"
    )
    minutes.add_argument(
        "--marking",
        type=_marking,
        default=None,
        metavar="TEXT",
        help='protective marking on every page (default OFFICIAL-SENSITIVE; "" for none)',
    )


def _meeting_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--meeting", type=_iso_date, required=True, metavar="YYYY-MM-DD", help="its date"
    )
    _meeting_title_option(parser)


def _meeting_title_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--meeting-title",
        type=_text("title", "NAME", one_line=True),
        metavar="TEXT",
        help="which meeting, when more than one is held that day",
    )


_ITEM_KINDS = ("recommendation", "area-for-improvement")
# The reason an entry added by hand is given, unless --reason says another (the window's Add
# item offers the same words).
_ADDED = "Added by the chair"
# How many entries ``meeting agenda`` names that --accept takes off, before "and N more".
_NAMED = 10
_SOURCE_KINDS = ("review", "inspection")


def _item(text: str) -> str:
    """REF:NUMBER, or REF alone (the whole review or inspection), as typed: a reference may
    hold colons, and a number too, so which colon ends the reference is found in the database
    (``_named_subject``). Refused here only where no reading of it could name anything."""
    from db.core import fields

    reference, colon, number = text.rpartition(":")
    if colon and (not reference or not number.strip()):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not REF:NUMBER (a reference, a colon and the item's number) or REF"
        )
    readings = [text, *(part for part, _ in _splits(text))]
    if all(fields.reference_problem(each) is not None for each in readings):
        _reference(reference or text)  # says what is wrong with the reference
    return text


def _splits(text: str) -> Iterator[tuple[str, str]]:
    """``text`` read as REF:NUMBER at each of its colons, the last first."""
    at = len(text)
    while (at := text.rfind(":", 0, at)) > 0:
        reference, number = text[:at], text[at + 1 :]
        if reference.strip() and number.strip():
            yield reference, number


def _given(what: str) -> Callable[[str], str]:
    """An option that must name something: refused when empty or blank."""

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"give {what}, not nothing")
        return text

    return parse


_database = _given("an SQLite file or a database URL")
_sheet = _given("the sheet's name")


def _reference(text: str) -> str:
    """A review's or inspection's reference, by db.core.fields' rules: refused, never trimmed."""
    from db.core import fields

    if not text:
        raise argparse.ArgumentTypeError("give a reference, not nothing")
    reason = fields.reference_problem(text)
    if reason is not None:
        raise argparse.ArgumentTypeError(f"the reference {reason}")
    return text


def _text(
    what: str, limit: str, *, one_line: bool = False, blank: bool = False
) -> Callable[[str], str]:
    """An option's text by db.core.fields' rules (no surrounding spaces, no control characters,
    at most as many characters as ``db.core.fields``'s constant named ``limit``): refused in one
    sentence, never trimmed or cut. With ``blank``, spaces alone are read as nothing typed, for
    the service to ask for the text ("Give the meeting a title."), not to say it has spaces at
    its ends. (db.core.fields loads only when an option is read.)"""

    def parse(text: str) -> str:
        from db.core import fields

        if blank and fields.blank(text):
            return ""

        reason = fields.problem(text, getattr(fields, limit))
        if reason is None and one_line and "\n" in text:
            reason = "holds a line break, and it is printed on one line"
        if reason is not None:
            raise argparse.ArgumentTypeError(f"the {what} {reason}")
        return text

    return parse


def _query(text: str) -> str:
    """A text to look for, not to keep: trimmed of the spaces around it, as a search box's
    would be, and otherwise held to the rules of a stored text (" " reads as nothing typed)."""
    return _text("text", "TEXT", blank=True)(text.strip())


def _marking(text: str) -> str:
    """A protective marking, printed across the top and foot of every page: one line, short
    enough to fit ("" prints none)."""
    if text == "":
        return text
    return _text("marking", "MARKING", one_line=True)(text)


def _iso_date(text: str) -> dt.date:
    from db.core.dates import parse_iso_date

    try:
        return parse_iso_date(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


# The most ``generate`` makes: ten times the largest data set casereview is measured with.
MAX_REVIEWS, MAX_RECOMMENDATIONS = 10_000, 1_000_000


def _count(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from exc
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small; the least is {minimum}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{value} is too large; the most is {maximum:,}")
        return value

    return parse


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl+C is: what the command was writing is undone or removed."""


# What a command has written for good, once it has (an import that has committed): an
# interruption after it, while the command reports, says that, not "nothing was written"
# (a new user stopped an import that had committed and was told it was interrupted).
_WRITTEN: list[str] = []
# What an interrupted command said of itself in the audit trail though it wrote nothing for
# good (a pack begun and not made): said with the interruption, so that "nothing was
# written" is not read as the database left as it was (a trial's find with `brief`).
_NOTED: list[str] = []

# SQLAlchemy's pool logs a connection it could not close, with the traceback, and with no
# handler of its own Python prints that on stderr: a trial's Ctrl+C as a database closed
# printed "Exception closing connection ... KeyboardInterrupt" before the one sentence.
# The interruption is said, and logged, by ``main``.
logging.getLogger("sqlalchemy.pool").addHandler(logging.NullHandler())


# The signals that came while a command ran. Library code can swallow the exception a signal
# raises (ReportLab compares colours under a bare ``except:``, and a CI run's Ctrl+C during
# a pack was taken as "not equal"; the pack was then written and the command ended 0), so
# the command asks ``_still_wanted`` before it puts a file in place or commits an import.
_SIGNALLED: list[type[KeyboardInterrupt]] = []
_DEFERRED: list[bool] = []  # in an ``_uninterrupted`` block: signals are noted, not raised


def _handled() -> list[int]:
    """Ctrl+C and SIGTERM; and on Windows Ctrl+Break (SIGBREAK), which by default ends the
    process at once, leaving what it was writing half done (a review's find)."""
    return [signal.SIGINT, signal.SIGTERM, *_breaks()]


def _breaks() -> list[int]:
    return [signal.SIGBREAK] if hasattr(signal, "SIGBREAK") else []  # (Windows' alone)


def _on_signal(signum: int, _frame: object) -> None:
    """Ctrl+C (and Ctrl+Break), and SIGTERM handled as Ctrl+C is."""
    kind = _Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    _SIGNALLED.append(kind)
    if not _DEFERRED:
        raise kind


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """A block done whole or not begun: a file put in place, the entry recording it committed
    and the command's note that it was written. A signal coming in it is raised as it ends (a
    trial's Ctrl+C as the pack's folder was synced left the pack written and the command
    saying it was not, and the trail noting it not made)."""
    _DEFERRED.append(True)
    try:
        yield
    finally:
        _DEFERRED.pop()
    if not _DEFERRED:  # (an enclosing block raises it as it ends)
        _still_wanted()


def _written_if_wanted(target: Path, data: bytes) -> None:
    """``write_atomically``, once the transaction recording it holds the write lock: a signal
    held while the lock was awaited stops it here, and the entry is rolled back."""
    _still_wanted()
    write_atomically(target, data)


def _signals_as_python_has_them() -> None:
    """Ctrl+C and SIGTERM for the window, as Python has them by default (``desktop.launch``
    handles them while a command loads, saying nothing was written, which the window could
    not say once a change is saved)."""
    for kind, default in (
        (signal.SIGINT, signal.default_int_handler),
        (signal.SIGTERM, signal.SIG_DFL),
    ):
        if signal.getsignal(kind) is not signal.SIG_IGN:
            signal.signal(kind, default)


def _still_wanted() -> None:
    """Raise again a signal that came while the command ran, in case what it raised was
    swallowed on the way (see ``_SIGNALLED``): one that was not has stopped the command
    already."""
    if _SIGNALLED:
        kind = _SIGNALLED[0]
        _SIGNALLED.clear()
        raise kind


def _start_log(command: str | None) -> None:
    """Set the log file up (``db.store.logs``) and note which command runs: its name only, as its
    arguments may be record text or paths. A log that cannot be written stops nothing."""
    try:
        set_up()
    except OSError:
        return  # nowhere to write it: the command runs without a log
    _log.info("casereview %s started: %s", __version__, command or "window")


def main(argv: Sequence[str] | None = None) -> int:
    _WRITTEN.clear()
    _NOTED.clear()
    _SIGNALLED.clear()
    _DEFERRED.clear()
    previous: dict[int, Any] = {}  # the handlers the command's own replaced
    hook = sys.unraisablehook  # (a command's own is put in place by ``_main``)
    code = EXIT_ERROR
    try:
        code = _main(argv, previous)
        return code
    finally:
        if code != EXIT_OK and sys.unraisablehook is _unraisable_logged:
            gc.collect()  # what a stopped command left half done is let go of now, quietly
        sys.unraisablehook = hook
        # Only now, once how the command ended is said: a second Ctrl+C as the first was
        # said found the handler before it, which said "nothing was written" (a review's).
        for kind, was in previous.items():
            signal.signal(kind, was)


def _unraisable_logged(unraisable: Any) -> None:
    """An error Python can only report, in a finaliser, say: logged by its kind, not printed
    with its traceback (a CI run's interrupted Word export printed zipfile's "Exception
    ignored in ZipFile.__del__" after the command's one sentence)."""
    _log.warning("ignored as it was let go of: %s", type(unraisable.exc_value).__name__)


def _main(argv: Sequence[str] | None, previous: dict[int, Any]) -> int:
    try:
        args = build_parser().parse_args(_readable(sys.argv[1:] if argv is None else argv))
        _start_log(args.command)
        handler = _COMMANDS.get(args.command, _open_window)
        if handler is _open_window:
            _signals_as_python_has_them()
            return handler(args)
        # (a signal the command was started with ignored, as ``nohup`` and a script's
        # background job do, stays ignored)
        for kind in _handled():
            if signal.getsignal(kind) is not signal.SIG_IGN:
                previous[kind] = signal.signal(kind, _on_signal)
        if os.environ.get(DEBUG) != "1":  # (the window keeps Python's: it has no one line)
            sys.unraisablehook = _unraisable_logged
        code = handler(args)
        if sys.stdout is not None:  # what is left of its report, while its failure is said
            sys.stdout.flush()
        return code
    except CaseReviewError as exc:
        _DEFERRED.append(True)  # (a signal as the end is said is noted, not raised)
        signalled = _signal_behind(exc)
        if signalled is not None:  # (a refusal of what the signal left half done)
            return _interrupted(signalled, exc)
        _log.info("command refused: %s", cause(exc))
        _say(exc.message)
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_ERROR
    except KeyboardInterrupt as exc:
        _DEFERRED.append(True)
        return _interrupted(type(exc), exc)
    except BrokenPipeError:
        _DEFERRED.append(True)
        # The reader of standard output went away (``| head``): stop quietly, as Unix tools
        # do, and keep Python from complaining as it flushes the closed pipe at exit.
        _drop_stdout()
        if _WRITTEN:  # the work was done and kept: only its report was cut short
            with suppress(OSError):  # (standard error may be the same closed pipe)
                print(
                    f"{PROG}: {_WRITTEN[-1]}; its report was cut short, as its reader closed "
                    "standard output.",
                    file=sys.stderr,
                )
            return EXIT_OK
        # (Windows has no SIGPIPE, and the name raised there, out of main: a review's find)
        return 128 + getattr(signal, "SIGPIPE", 13)
    except Exception as exc:
        _DEFERRED.append(True)
        signalled = _signal_behind(exc)
        if signalled is not None:
            return _interrupted(signalled, exc)
        said = _plainly(exc)
        if _WRITTEN and isinstance(exc, OSError):  # (its report to a full disk: a review's)
            _log.warning("command failed once written: %s", cause(exc))
            _drop_stdout()  # (what is left is not tried again as the command ends)
            said = f"{_WRITTEN[-1]}, but what followed failed: {exc.strerror or exc}."
            said = said[0].upper() + said[1:]
        elif said is not None:  # the disk or the database, not casereview: a refusal
            _log.warning("command refused: %s", cause(exc))
        else:
            _log.error("command stopped: %s", cause(exc))
            if os.environ.get(DEBUG) == "1":
                raise
            # A fault in casereview itself: still one line, naming only the kind of error
            # (its text may quote records). Every write is in a transaction or to a file put
            # in place only when complete, so what the command was doing is not kept.
            said = (
                f"casereview stopped at a fault of its own ({type(exc).__name__}); what this "
                f"command was doing was not saved. Run it again with {DEBUG}=1 to see where, "
                "and report it."
            )
        _say(said)
        return EXIT_ERROR


def _signal_behind(exc: BaseException) -> type[KeyboardInterrupt] | None:
    """The signal that ``exc`` came in the place of, if one came: a signal can stop library
    code half way, and the code undoing it then fail for that (a CI run's SIGTERM came as
    zipfile had opened a part of a Word export and before the ``with`` held it; closing the
    package raised ValueError, and the command said it had stopped at a fault of its own).
    A signal merely noted is not enough: one held while a file was put in place, which then
    failed on a full disk, is told as the full disk (a review's)."""
    seen: BaseException | None = exc
    met: set[int] = set()
    while seen is not None and id(seen) not in met:
        if isinstance(seen, KeyboardInterrupt):
            return type(seen)
        met.add(id(seen))
        seen = seen.__context__
    return None


def _interrupted(kind: type[KeyboardInterrupt], exc: BaseException) -> int:
    """Say that the command was interrupted, and what it had written; the signal's code."""
    _log.info("command interrupted: %s", cause(exc))
    if _WRITTEN:
        print(f"{PROG}: interrupted after {_WRITTEN[-1]}; nothing more was written.",
              file=sys.stderr)  # fmt: skip
    elif _NOTED:
        print(f"{PROG}: interrupted; {_NOTED[-1]}.", file=sys.stderr)
    else:
        # (each command's writing is whole or nothing: a new file, a partly written
        # export, an open transaction are taken back as the signal ends it)
        print(f"{PROG}: interrupted; nothing was written.", file=sys.stderr)
    return 128 + (signal.SIGTERM if issubclass(kind, _Terminated) else signal.SIGINT)


# A value given on the command line that no file name or text can hold: NUL, or a lone
# surrogate (how Python passes on bytes that are not valid in the system's encoding).
_UNREADABLE = re.compile("[\x00\ud800-\udfff]")
# What would break the one line an error is: line breaks and other control characters.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _readable(argv: Sequence[str]) -> Sequence[str]:
    if any(_UNREADABLE.search(value) for value in argv):
        raise UsageError(
            "an argument holds a NUL character or bytes that are not text in this system's "
            "encoding; give file names and values as plain text"
        )
    return argv


def _say(message: str) -> None:
    """An error as one line on stderr: a control character in a value it quotes (a file
    name, say) is shown escaped rather than breaking the line or the terminal."""
    shown = _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), message)
    print(f"{PROG}: error: {shown}", file=sys.stderr)


def _drop_stdout() -> None:
    """Point standard output at the null device, so that what is left in its buffer is not
    written again (and refused again) as Python exits."""
    with suppress(OSError, ValueError):  # stdout already gone past reaching: no more to do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _plainly(exc: BaseException) -> str | None:
    """One sentence for a failure of the disk or the database that no command expects
    (full, read-only, locked by another process), never the statement or its parameters,
    which may hold record text; None for a fault in casereview itself. A transaction's own
    such failures come as ``UnwritableError`` already (``db.store.database.unwritable``)."""
    from db.store.database import DISK_FULL, NOTHING_CHANGED

    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return DISK_FULL
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            where = f" {exc.filename}" if exc.filename else ""
            return f"Cannot write{where}: {exc.strerror}; {NOTHING_CHANGED}."
        return f"{exc.strerror or exc}; {NOTHING_CHANGED}."
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is None or not isinstance(exc, sqlalchemy_exc.DBAPIError):
        return None
    from db.store.database import first_line, unwritable

    refused = unwritable(exc)
    if refused is not None:
        return refused.message
    return f"The database refused the change ({first_line(exc)}); {NOTHING_CHANGED}."


def _location(args: argparse.Namespace, *also: Path) -> Location:
    """The database the command works on, with the passphrase that opens it: read from
    standard input with --passphrase-stdin, else asked for in the terminal when the database
    (or a file in ``also``) is encrypted. With --passphrase-stdin, a database not made yet is
    made encrypted."""
    from db.store.location import resolve_location

    location = resolve_location(args.db)
    path = location.path
    if path is None:
        if args.passphrase_stdin:
            raise UsageError("--passphrase-stdin is for SQLite files, not database servers")
        return location
    if args.passphrase_stdin:
        text = _read_passphrase()
        from db.store.cipher import Passphrase, check_new

        new = not path.exists() or path.stat().st_size == 0
        return location.with_passphrase(check_new(text) if new else Passphrase(text))
    from db.store.cipher import is_encrypted

    encrypted = [p for p in (path, *also) if is_encrypted(p)]
    if encrypted and sys.stdin.isatty():
        return location.with_passphrase(_ask(f"Passphrase for {encrypted[0].name}: "))
    return location


def _read_passphrase() -> str:
    """The first line of standard input, without its line ending."""
    raw = sys.stdin.buffer.readline() if hasattr(sys.stdin, "buffer") else b""
    try:
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise UsageError(
            "the passphrase on standard input is not UTF-8 text; nothing was changed"
        ) from exc
    if not line:
        raise UsageError("--passphrase-stdin was given but standard input held no passphrase")
    return line


def _ask(prompt: str) -> Passphrase:
    import getpass

    from db.store.cipher import Passphrase

    try:
        text = getpass.getpass(prompt)
    except EOFError:  # no input at all: no passphrase, refused just below
        text = ""
    if not text:
        raise UsageError("no passphrase was given; nothing was changed")
    return Passphrase(text)


def _today() -> dt.date:
    return dt.date.today()


@contextmanager
def _replacing_data(args: argparse.Namespace, what: str) -> Iterator[tuple[Location, Session]]:
    """A transaction on a new or empty database (or, with --force, one emptied first)."""
    from db.services.dataset import counts, erase_all
    from db.store.database import open_database

    location = _location(args)
    made: list[Path] = []
    with _removed_on_failure(made):
        database = open_database(location, create=True, made=made)
        with database:
            with database.transaction() as session:
                _make_room(location, counts(session), args.force, what)
                if args.force:
                    erase_all(session)
                yield location, session
            _WRITTEN.append(f"the {what} was written")


def _demo(args: argparse.Namespace) -> int:
    from db.services.dataset import counts, load_sample

    with _replacing_data(args, "sample data") as (location, session):
        load_sample(session, _today())
        loaded = counts(session)
    print(f"Sample data written to {location}: {loaded.describe()}.")
    return EXIT_OK


def _generate(args: argparse.Namespace) -> int:
    from db.services.generate import generate

    with _replacing_data(args, "generated data") as (location, session):
        made = generate(
            session,
            reviews=args.reviews,
            recommendations=args.recommendations,
            seed=args.seed,
            today=_today(),
        )
    print(
        f"Generated {made.reviews} reviews with {made.recommendations} recommendations "
        f"(seed {args.seed}) in {location}."
    )
    return EXIT_OK


def _make_room(location: Location, existing: Counts, force: bool, what: str) -> None:
    if not existing.is_empty and not force:
        raise CaseReviewError(
            f"{location} already holds data ({existing.describe()}); "
            f"add --force to replace it with the {what}."
        )


def _brief(args: argparse.Namespace) -> int:
    from db.core.errors import NotFoundError
    from db.queries.briefing_content import PackOptions, WrongKindError, pack_being_made
    from db.store.audit import default_actor, newest_entry_id
    from db.store.database import open_database
    from desktop.briefing import DEFAULT_MARKING

    target = Path(args.output)
    render = _PACK_RENDERERS.get(target.suffix.lower())
    if render is None:
        raise UsageError(
            f"the briefing pack is a PDF or a Word document: give a file name ending .pdf or "
            f".docx, not {target}"
        )
    check_target(target)  # before the pack is made and recorded
    if args.meeting is None and args.meeting_title is not None:
        raise UsageError("--meeting-title chooses among the meetings given by --meeting")
    if args.meeting is not None and args.meeting_date not in (None, args.meeting):
        raise UsageError("--meeting gives the meeting's date: leave out --meeting-date")
    location = _location(args)
    with open_database(location) as database:
        meeting = None
        if args.meeting is not None:
            with database.session() as session:
                meeting = _meeting_key(session, args)
        head: int | None = None
        try:
            # A pack that fails to render or write is recorded as not made (see the function).
            options = PackOptions(
                today=_today(),
                title=args.title or "Case review briefing pack",  # (options are never padded)
                marking=DEFAULT_MARKING if args.marking is None else args.marking,
                prepared_by=args.prepared_by or default_actor(),
                meeting_date=meeting.held_on if meeting else args.meeting_date,
                since=args.since,
                reviews=args.review,
                inspections=args.inspection,
                redact=args.redact,
                meeting_title=meeting.title if meeting else None,
            )
            with database.session() as session:
                head = newest_entry_id(session)
            with pack_being_made(
                database, default_actor(), purpose="file", options=options
            ) as pack:
                data = render()(pack)
                _still_wanted()
                with _uninterrupted():
                    write_atomically(target, data)
                    pack.delivered = True  # an interruption now does not unmake it
                    _WRITTEN.append(f"the briefing pack {target} was written")
        except WrongKindError as exc:
            option = "--review" if exc.kind == "a review" else "--inspection"
            raise NotFoundError(
                f"{exc.reference} is {exc.kind}, not {exc.chosen_as}: use {option} {exc.reference}"
            ) from exc
        except BaseException as exc:
            # (an error raised in the signal's place is the interruption too: a review's)
            interrupted = _signal_behind(exc) is not None
            if interrupted and not _WRITTEN and head is not None and _pack_noted(database, head):
                _NOTED.append(
                    "the pack was not written, and the audit trail notes that it was begun "
                    "and not made"
                )
            raise
    print(f"Briefing pack written to {target}.", file=sys.stderr)
    return EXIT_OK


def _pack_noted(database: Database, head: int) -> bool:
    """Whether the audit trail took a note of the pack since entry ``head``: an interruption
    can land as that note is committed, before the command knows it (a trial's `brief`)."""
    from sqlalchemy import select

    from db.store.models import AuditEntry

    try:
        with database.session() as session:
            found = session.scalar(
                select(AuditEntry.id)
                .where(AuditEntry.id > head, AuditEntry.entity == "briefing packs")
                .limit(1)
            )
    except Exception:  # (not readable now: said as "nothing was written")
        return False
    return found is not None


def _meeting_key(session: Session, args: argparse.Namespace) -> MeetingKey:
    """The meeting --meeting (and --meeting-title) name."""
    from db.services.meetings import meeting_by_date

    return meeting_by_date(session, args.meeting, args.meeting_title)


def _meeting(args: argparse.Namespace) -> int:
    return _MEETING_ACTIONS[args.meeting_command](args)


def _meeting_add(args: argparse.Namespace) -> int:
    from db.services.meetings import MeetingFields, create_meeting
    from db.store.audit import default_actor
    from db.store.database import open_database

    fields = MeetingFields(held_on=args.date, title=args.title, chair=args.chair or "")
    with open_database(_location(args)) as database, database.change(default_actor()) as session:
        key = create_meeting(session, fields)
    print(f"Meeting added: {key}.", file=sys.stderr)  # a status line, as every command's
    return EXIT_OK


def _meeting_agenda(args: argparse.Namespace) -> int:
    from db.services.meetings import proposed_agenda, set_agenda, stored_entries
    from db.store.audit import default_actor
    from db.store.database import open_database

    if (args.kind, args.reason) != (None, None) and args.add is None and args.remove is None:
        raise UsageError("--kind and --reason are for --add or --remove")
    if args.reason is not None and args.add is None:
        raise UsageError("--reason is for --add")
    if args.add is not None or args.remove is not None:
        return _agenda_entry(args)
    with open_database(_location(args)) as database, database.change(default_actor()) as session:
        key = _meeting_key(session, args)
        # What the meeting has decided about stays on, first, as stored (it was refused
        # outright, then reordered with today's reasons: found by new users); the proposal,
        # the most pressing of each reason first as in the window, has the places left.
        found = proposed_agenda(session, key, _today())
        proposed, kept, agenda = found.proposal.entries, found.decided, list(found.entries)
        # What the agenda stored holds that this one does not (entries added by hand, or no
        # longer proposed) is said by name: a trial found them taken off without a word.
        staying = {entry.what for entry in agenda}
        dropped = [e for e in stored_entries(session, key) if e.what not in staying]
        if args.accept:
            set_agenda(session, key, agenda)
    if not proposed and not kept:
        print(f"casereview proposes nothing for the agenda of {key}.")
    else:
        print(f"Proposed agenda for {key}:")
    for number, entry in enumerate(agenda, start=1):
        print(f"{number:>3}. {_agenda_label(entry.what)} — {entry.reason or 'added by hand'}")
    if kept:
        print(
            "The first entry stays on the agenda: the meeting has decided about it."
            if kept == 1
            else f"The first {kept} entries stay on the agenda: the meeting has decided about them."
        )
    if dropped:
        named = ", ".join(_agenda_label(entry.what) for entry in dropped[:_NAMED])
        more = len(dropped) - _NAMED
        named += f" and {more:,} more" if more > 0 else ""
        verb = "Taken" if args.accept else "Accepting it would take"
        print(f"{verb} off the agenda stored (neither decided about nor above): {named}.")
    left_out = found.left_out
    if left_out is not None:
        # Found by new users: a generated data set proposed 41,557 entries, all stored; then
        # the 200 kept were the first reviews' by reference, and nothing said what was not.
        print(left_out)
    if args.accept and len(proposed) > len(agenda) - kept and kept:
        print(
            f"Stored as the agenda of {key}: the {len(agenda)} listed above, "
            f"{len(agenda) - kept} of the {len(proposed):,} entries proposed and {kept} the "
            "meeting has decided about."
        )
    elif args.accept and len(proposed) > len(agenda):
        print(
            f"Stored as the agenda of {key}: the {len(agenda)} listed above, of the "
            f"{len(proposed):,} entries proposed."
        )
    elif args.accept:
        print(f"Stored as the agenda of {key}: {len(agenda)} entries.")
    else:
        print("Nothing was stored: add --accept to store this agenda.")
    return EXIT_OK


def _agenda_entry(args: argparse.Namespace) -> int:
    """``meeting agenda --add`` or ``--remove``: one entry of the agenda stored."""
    from db.services.meetings import (
        AGENDA_LIMIT,
        AgendaEntry,
        keeping_decided,
        set_agenda,
        stored_entries,
    )
    from db.store.audit import default_actor
    from db.store.database import open_database

    adding = args.add is not None
    named = args.add if adding else args.remove
    with open_database(_location(args)) as database, database.change(default_actor()) as session:
        key = _meeting_key(session, args)
        what = _named_subject(session, key, named, args.kind)
        stored = stored_entries(session, key)
        there = [entry.what for entry in stored]
        label = _agenda_label(what)
        if adding and what in there:
            raise RuleError(f"{label} is on the agenda of {key} already; nothing was changed.")
        if not adding and what not in there:
            raise RuleError(f"{label} is not on the agenda of {key}; nothing was changed.")
        if not adding and what in {entry.what for entry in keeping_decided(session, key, [])}:
            raise RuleError(
                f"The meeting decided about {label}, so it stays on its agenda (a decision is "
                "undone only in the window that recorded it, with Edit ▸ Undo); nothing was "
                "changed."
            )
        if adding and len(stored) >= AGENDA_LIMIT:
            raise RuleError(
                f"The agenda of {key} holds {AGENDA_LIMIT} entries, as many as an agenda "
                "can: take one off with --remove first; nothing was changed."
            )
        if adding:
            reason = args.reason or _ADDED  # nothing given, or nothing typed ("")
            set_agenda(session, key, [*stored, AgendaEntry(what, reason)])
        else:
            set_agenda(session, key, [entry for entry in stored if entry.what != what])
        now = len(stored) + (1 if adding else -1)
    said = "Added to" if adding else "Taken off"
    entries = f"{now} {'entry' if now == 1 else 'entries'}"
    print(f"{said} the agenda of {key}: {label} ({entries}).", file=sys.stderr)
    return EXIT_OK


def _agenda_label(what: ItemKey | SourceKey) -> str:
    """An agenda entry as ``meeting decide --item`` names it (REF:NUMBER), or the review or
    inspection it is."""
    from db.core.vocabulary import TrackedKind
    from db.services.meetings import SourceKey

    if isinstance(what, SourceKey):
        return f"{'inspection' if what.inspection else 'review'} {what.reference}"
    kind = "" if what.kind is TrackedKind.RECOMMENDATION else f" ({what.kind.label.lower()})"
    return f"{what.source}:{what.number}{kind}"


# Which of ``meeting decide``'s options each decision takes.
_TAKES_UNTIL = {DecisionKind.EXTENDED, DecisionKind.EVIDENCE_REQUESTED}
_TAKES_WHOM = {DecisionKind.EVIDENCE_REQUESTED, DecisionKind.ESCALATED}


def _meeting_decide(args: argparse.Namespace) -> int:
    from db.services.meetings import DecisionEntry, NotOnAgendaError, decide, decision_log_text
    from db.store.audit import default_actor
    from db.store.database import open_database

    kind = DecisionKind(args.decision)
    if args.until is not None and kind not in _TAKES_UNTIL:
        raise UsageError(f"--until is for extended and evidence-requested, not {kind.value}")
    if args.whom is not None and kind not in _TAKES_WHOM:
        raise UsageError(f"--whom is for evidence-requested and escalated, not {kind.value}")
    entry = DecisionEntry(kind, note=args.note, until=args.until, whom=args.whom or "")
    actor = default_actor()
    with open_database(_location(args)) as database, database.change(actor) as session:
        key = _meeting_key(session, args)
        what = _named_subject(session, key, args.item, args.kind)
        try:
            decide(session, key, what, entry, on=_today(), actor=actor)
        except NotOnAgendaError as exc:  # said with the command that adds it
            # Not quoting what was typed: pasted back into a shell, a reference holding
            # $(...) ran it (found by a new user), and no one quoting suits every shell.
            same = "--item" if args.kind is None else "--item and --kind"
            raise RuleError(
                f"{exc.where}: add it to the agenda first, with casereview meeting agenda "
                f"--add and the same {same}."
            ) from exc
        chair = _chair(session, key)
    said = f"Recorded for {_agenda_label(what)}: {decision_log_text(key, chair, entry)}"
    print(said, file=sys.stderr)  # a status line, as every command's (a trial found it on stdout)
    return EXIT_OK


def _named_subject(
    session: Session, key: MeetingKey, named: str, kind: str | None
) -> ItemKey | SourceKey:
    """What ``meeting decide --item`` (or ``meeting agenda --add``, ``--remove``) names: an
    item (REF:NUMBER, read at the last colon that names one: "LCSPR:2025:7:3" is item 3 of
    LCSPR:2025:7, or item 7:3 of LCSPR:2025 if that is what there is), or a whole review or
    inspection (REF alone, or anything with ``--kind review`` or ``inspection``; a reference
    holding colons, named alone, is read so when it names no item)."""
    from db.core.errors import NotFoundError
    from db.services.meetings import agenda_item, agenda_source

    splits = list(_splits(named))
    if kind in _ITEM_KINDS and not splits:
        raise UsageError(f"--kind {kind} is for REF:NUMBER (an item)")
    if kind in _SOURCE_KINDS or not splits:
        inspection = None if kind is None else kind == "inspection"
        return agenda_source(session, key, named, inspection)
    missing: NotFoundError | None = None
    for reference, number in splits:
        try:
            return agenda_item(session, key, reference, number, _tracked_kind(kind))
        except NotFoundError as exc:
            missing = missing or exc
    if kind is None:
        with suppress(NotFoundError):
            return agenda_source(session, key, named, None)
    assert missing is not None
    raise missing


def _tracked_kind(chosen: str | None) -> TrackedKind | None:
    from db.core.vocabulary import TrackedKind

    return None if chosen is None else TrackedKind(chosen.replace("-", "_"))


def _chair(session: Session, key: MeetingKey) -> str:
    from db.services.meetings import meeting_fields

    return meeting_fields(session, key).chair


def _minutes(args: argparse.Namespace) -> int:
    from db.services.meetings import minutes, record_minutes
    from db.store.audit import default_actor
    from db.store.database import open_database
    from desktop.briefing import DEFAULT_MARKING
    from desktop.briefing.minutes import MINUTES_ENDINGS, render_minutes_as

    target = Path(args.output)
    ending = target.suffix.lower()
    if ending not in MINUTES_ENDINGS:
        raise UsageError(
            f"the minutes are a PDF or a Word document: give a file name ending .pdf or "
            f".docx, not {target}"
        )
    check_target(target)
    marking = DEFAULT_MARKING if args.marking is None else args.marking
    with open_database(_location(args)) as database:
        with database.session() as session:
            key = _meeting_key(session, args)
            said = minutes(session, key)
        data = render_minutes_as(said, marking, ending)
        _still_wanted()
        with _uninterrupted():
            record_minutes(
                database,
                key,
                data,
                name=target.name,
                actor=default_actor(),
                write=lambda data: _written_if_wanted(target, data),
            )
            _WRITTEN.append(f"the minutes {target} were written")
    print(f"Minutes written to {target}.", file=sys.stderr)
    return EXIT_OK


_MEETING_ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": _meeting_add,
    "agenda": _meeting_agenda,
    "decide": _meeting_decide,
}


def _pdf_pack() -> Callable[[Pack], bytes]:
    from desktop.briefing import render_pack

    return render_pack


def _word_pack() -> Callable[[Pack], bytes]:
    from desktop.briefing.word import render_pack_docx

    return render_pack_docx


# A pack's renderer by its file's ending, each imported only when asked for.
_PACK_RENDERERS = {".pdf": _pdf_pack, ".docx": _word_pack}


def _export(args: argparse.Namespace) -> int:
    from db.core.errors import NotFoundError
    from db.services import transfer
    from db.store.audit import default_actor
    from db.store.database import open_database, open_to_read_then_write

    fmt = _export_format(args.output, args.format)
    if fmt in ("xlsx", "docx") and args.output == "-":
        what = "an Excel workbook" if fmt == "xlsx" else "a Word document"
        raise UsageError(f"{what} cannot be written to the terminal; name a file with -o")
    if args.output != "-":
        check_target(Path(args.output))  # before the export is made and recorded
    location = _location(args)
    to_stdout = args.output == "-"
    target = Path(args.output)
    # A file is written beside its target and renamed only once the check's verdict is in;
    # what goes to standard output cannot be taken back, so the check comes first there.
    opened = open_database(location) if to_stdout else open_to_read_then_write(location)
    with opened as database:
        missing = transfer.missing_reviews(database, args.review)
        if missing:
            raise NotFoundError(f"{location} holds no review with the reference '{missing[0]}'.")
        if to_stdout:
            transfer.export_stream(
                database,
                cast(BinaryIO, _StdoutWriter()),
                fmt=fmt,
                today=_today(),
                actor=default_actor(),
                name="standard output",
                reviews=args.review,
            )
        else:
            written = transfer.export_file(
                database,
                target,
                fmt=fmt,
                today=_today(),
                actor=default_actor(),
                reviews=args.review,
                check=_still_wanted,
                whole=_uninterrupted,
                locked=_still_wanted,
                written=lambda: _WRITTEN.append(f"the export to {target} was written"),
            )
    if not to_stdout:
        said = transfer.exported_said(fmt, len(written), target, chosen=bool(args.review))
        print(said, file=sys.stderr)
    return EXIT_OK


_EXPORT_ENDINGS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".docx": "docx"}


def _export_format(output: str, chosen: str | None) -> str:
    """The format to write: --format, else the file name's ending (json for standard
    output); a name whose ending says another format, or one casereview does not write, is
    refused, so a file is never named for a format it does not hold."""
    if output == "-":
        return chosen or "json"
    ending = Path(output).suffix.lower()
    named = _EXPORT_ENDINGS.get(ending)
    endings = ", ".join(_EXPORT_ENDINGS)
    if named is None:
        raise UsageError(
            f"casereview exports {endings} files; give the file name one of those endings, "
            f"not '{ending or Path(output).name}'."
        )
    if chosen is not None and chosen != named:
        raise UsageError(
            f"--format {chosen} does not match the file name {Path(output).name}; "
            f"name it with the ending .{chosen}"
        )
    return named


class _StdoutWriter(io.RawIOBase):
    """Standard output as the binary file an export writes to, a part at a time, each part
    written (and a failure said) as ``_write_stdout`` does."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        _write_stdout(bytes(data))
        return len(data)


def _write_stdout(data: bytes) -> None:
    if sys.stdout is None:  # started with standard output closed (``>&-``)
        raise CaseReviewError(
            "Standard output is closed, so there is nowhere to write the export; name a file "
            "with -o instead. Nothing was written."
        )
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_stdout()
        raise CaseReviewError(
            f"Cannot write the export to standard output: {exc.strerror or exc}."
        ) from exc


def _import(args: argparse.Namespace) -> int:
    import tempfile

    from db.exchange import Document
    from db.exchange.spreadsheets import Mapping
    from db.services import transfer

    path = Path(args.file)
    spreadsheet = path.suffix.lower() != ".json"
    if not spreadsheet and (args.sheet or args.review or args.mapping or args.leave_out):
        raise UsageError(
            "--sheet, --review, --mapping and --leave-out apply to spreadsheets, not JSON files"
        )
    mapping = None
    if spreadsheet:
        mapping = Mapping.read(Path(args.mapping)) if args.mapping else Mapping()
        if args.sheet:
            mapping.sheet = args.sheet
        mapping.leave_out += args.leave_out
    check = _check_beside(args)
    source = transfer.read_source(path, mapping)
    try:
        location = _location(args)  # (after the file: a bad file is said before a passphrase)
        if args.dry_run and location.path is not None and not location.path.exists():
            # Planned against an empty database that is thrown away: nothing is written.
            with tempfile.TemporaryDirectory() as scratch:
                return _apply_import(args, _scratch(Path(scratch)), source)
        return _apply_import(args, location, source, check)
    finally:
        if not isinstance(source, Document):  # (what its reading set aside on disk)
            source.close()


def _check_beside(args: argparse.Namespace) -> QuickCheck | None:
    """The database's quick check, started while the command reads its file
    (``check_beside``): SQLite runs it without Python's lock, and the import's writes wait
    for its verdict. None with --passphrase-stdin, or for an encrypted file: its passphrase
    is asked for once the file has been read."""
    from db.core.errors import CaseReviewError
    from db.store.database import check_beside
    from db.store.location import resolve_location

    if args.passphrase_stdin:
        return None
    try:
        location = resolve_location(args.db)
    except CaseReviewError:  # said as the command opens the database
        return None
    return check_beside(location)


def _apply_import(
    args: argparse.Namespace,
    location: Location,
    source: Document | TrackerFile,
    check: QuickCheck | None = None,
) -> int:
    from db.exchange import Document
    from db.exchange.spreadsheets import TrackerProblemsError
    from db.services import transfer
    from db.store.audit import default_actor
    from db.store.database import open_database

    made: list[Path] = []
    with _removed_on_failure(made):
        database = open_database(location, create=True, check=check, made=made)
        created = location.path in made
        try:
            with database:
                # A dry run names the repeats the import would, worked out before its rollback.
                outcome, repeats = transfer.import_repeating(
                    database,
                    source,
                    actor=default_actor(),
                    today=_today(),
                    review=args.review,
                    keep=not args.dry_run,
                    keep_copy=not created,
                    compare=not created,  # a new database holds no earlier learning
                    check=_still_wanted,
                    written=lambda summary: _WRITTEN.append(
                        f"the import of {args.file} was written ({summary.describe()})"
                    ),
                )
        except TrackerProblemsError as exc:
            if args.dry_run:  # the report a dry run is for: every problem, one a line
                for line in exc.problems:
                    print(line)
            elif len(exc.problems) > 1:  # the error names the first: say where the rest are
                message = f"{exc.message} The same command with --dry-run lists every one."
                raise TrackerProblemsError(message, exc.problems) from exc
            raise
    if not isinstance(source, Document):
        for line in source.kept_lines():  # what the import keeps beyond the known columns
            print(line)
    if args.dry_run and database.upgraded:
        print(
            f"Dry run of {args.file}: it would have {outcome.describe()}; nothing was "
            f"imported. Opening brought {location.name} up to this version's database layout "
            "first, as any casereview command does, keeping a backup of it beside it."
        )
    elif args.dry_run:
        print(f"Dry run of {args.file}: it would have {outcome.describe()}; nothing was written.")
    else:
        print(f"Imported {args.file} into {location}: {outcome.describe()}.")
    _print_repeats(repeats, tried=args.dry_run)
    return EXIT_OK


def _print_repeats(repeats: list[Repeat] | None, *, tried: bool = False) -> None:
    """The new items that repeat earlier learning, each with the earlier item and what
    became of it (issue 25); ``tried``: the items a dry run would add."""
    from db.queries.similar import describe_repeats

    for line in describe_repeats(repeats, tried=tried):
        print(line)


def _scratch(folder: Path) -> Location:
    from db.store.location import resolve_location

    return resolve_location(str(folder / "dry-run.sqlite3"))


def _backup(args: argparse.Namespace) -> int:
    from db.store.backups import back_up
    from db.store.database import open_database

    location = _location(args)
    # Opening first refuses what is not a casereview database, as every command does.
    open_database(location).close()
    back_up(location, Path(args.output))
    print(f"Backed up {location} to {args.output}.", file=sys.stderr)
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from db.store.backups import restore
    from db.store.database import open_database

    location = _location(args, Path(args.backup_file))
    kept = restore(Path(args.backup_file), location)
    # Opening brings a backup from an earlier version up to this version's schema.
    open_database(location).close()
    print(f"Restored {location} from {args.backup_file}.", file=sys.stderr)
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.", file=sys.stderr)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from db.services.integrity import check_database
    from db.store.migrations import HEAD

    location = _location(args)
    report = check_database(location)
    if not report.sound:
        print(f"{PROG}: {location} is not sound: {'; '.join(report.problems)}.", file=sys.stderr)
        return EXIT_ERROR
    print(f"{location} is sound (schema {HEAD}).")
    return EXIT_OK


def _encrypt(args: argparse.Namespace) -> int:
    from db.services.encrypt import encrypt
    from db.store.cipher import check_new
    from db.store.location import resolve_location

    location = resolve_location(args.db)
    if location.path is None:
        raise UsageError(
            "encrypt works on SQLite files; a PostgreSQL server protects its data itself"
        )
    from db.store.cipher import Passphrase, is_encrypted

    if is_encrypted(location.path):  # finishing an interrupted run: its own passphrase
        if args.passphrase_stdin:
            passphrase = Passphrase(_read_passphrase())
        elif sys.stdin.isatty():
            passphrase = _ask(f"Passphrase for {location.path.name}: ")
        else:
            raise UsageError(
                "give the passphrase when asked (in a terminal) or with --passphrase-stdin"
            )
    elif args.passphrase_stdin:
        passphrase = check_new(_read_passphrase())
    elif sys.stdin.isatty():
        passphrase = check_new(_ask(f"New passphrase for {location.path.name}: ").reveal())
        if not passphrase.matches(_ask("The same passphrase again: ").reveal()):
            raise CaseReviewError("The two passphrases differ; nothing was changed.")
    else:
        raise UsageError(
            "give the new passphrase when asked (in a terminal) or with --passphrase-stdin"
        )
    done = encrypt(location, passphrase)
    copies = len(done.copies)
    kept = f"{copies} cop{'y' if copies == 1 else 'ies'} kept beside it"
    if done.already:
        finished = f"; encrypted the {kept} that {'was' if copies == 1 else 'were'} still plain"
        print(
            f"{done.database} was already encrypted{finished if copies else ''}.", file=sys.stderr
        )
    else:
        also = f" and {kept}" if copies else ""
        print(
            f"Encrypted {done.database}{also}. Keep the passphrase safe: without it nobody, "
            "including you, can read the data.",
            file=sys.stderr,
        )
    for path in done.left_plain:
        print(
            f"{PROG}: warning: {path} could not be encrypted and still holds plaintext: "
            "check it and delete it once nobody needs it.",
            file=sys.stderr,
        )
    return EXIT_OK


def _checkout(args: argparse.Namespace) -> int:
    """Copy the scope asked for into a new file. An encrypted database's passphrase opens it
    and encrypts the copy; otherwise --passphrase-stdin gives the copy's passphrase."""
    from db.services.checkout import Scope, check_out
    from db.store.audit import default_actor
    from db.store.cipher import check_new, is_encrypted
    from db.store.database import open_database
    from db.store.location import resolve_location

    if args.meeting_title is not None and args.meeting is None:
        raise UsageError("--meeting-title names which meeting of a --meeting day; give --meeting")
    target = Path(args.output)
    check_target(target)  # before the database is opened, let alone read
    shared = resolve_location(args.db)
    copy_passphrase = None
    if shared.path is not None and is_encrypted(shared.path):
        shared = _location(args)
    elif args.passphrase_stdin:
        copy_passphrase = check_new(_read_passphrase())
    with open_database(shared) as database:
        meeting = None
        if args.meeting is not None:
            with database.session() as session:
                meeting = _meeting_key(session, args)
        scope = Scope(tuple(args.review), tuple(args.inspection), meeting)
        done = check_out(
            database,
            target,
            scope=scope,
            actor=default_actor(),
            today=_today(),
            passphrase=copy_passphrase,
        )
    print(done.describe(), file=sys.stderr)
    return EXIT_OK


def _upgraded(*databases: Database) -> str:
    """A sentence naming the databases opening brought up to this version's schema (written,
    a backup kept first, as any command opening them does), or ""."""
    upgraded = [d.location.name for d in databases if d.upgraded]
    if not upgraded:
        return ""
    return (
        f"Opening brought {' and '.join(upgraded)} up to this version's database layout "
        "first, as any casereview command does, keeping a backup of "
        f"{'each beside them' if len(upgraded) > 1 else 'it beside it'}."
    )


def _dry_run_wrote(copy: Database, shared: Database) -> str:
    """The dry run's last line: nothing merged, and nothing written unless opening brought a
    database from an earlier version up to this one's schema, which is said by name rather
    than hidden."""
    upgraded = _upgraded(copy, shared)
    return (
        f"Dry run: nothing was merged. {upgraded}" if upgraded else "Dry run: nothing was written."
    )


@contextmanager
def _upgrade_said(dry_run: bool, *databases: Database) -> Iterator[None]:
    """A dry run refused after opening upgraded a database says so too, not only why."""
    try:
        yield
    except CaseReviewError as exc:
        upgraded = _upgraded(*databases) if dry_run else ""
        if not upgraded:
            raise
        raise CaseReviewError(f"{exc.message} {upgraded}") from exc


def _merge(args: argparse.Namespace) -> int:
    """Merge the copy; list its conflicts, and what it writes with --dry-run."""
    from db.services.merge import merge_copy, open_copy, plan_merge, refuse_unfit_copy
    from db.store.audit import default_actor
    from db.store.database import open_database

    if args.prefer and args.answers:
        raise UsageError("give --prefer or --answers, not both")
    if args.write_answers and not args.dry_run:
        raise UsageError("--write-answers goes with --dry-run: list the conflicts, answer them, "
                         "then merge with --answers")  # fmt: skip
    copy_path = Path(args.copy)
    refuse_unfit_copy(copy_path)
    if args.write_answers:
        check_target(Path(args.write_answers))
    shared_location = _shared_location(args)
    answers_file = _read_answers(Path(args.answers)) if args.answers else None
    with (
        open_database(shared_location) as shared,
        open_copy(_copy_location(args, copy_path, shared_location)) as copy,
        _upgrade_said(args.dry_run, copy, shared),
    ):
        today = _today()
        plan = plan_merge(copy, shared, today=today)
        _print_plan(plan, every_change=args.dry_run)
        if args.write_answers:
            _write_answers(Path(args.write_answers), plan)
        answers = _answers(plan, args.prefer, answers_file)
        unanswered = len([c for c in plan.merge.conflicts if c.key not in answers])
        if args.dry_run:
            if unanswered and (args.prefer or answers_file):
                n = unanswered
                print(
                    f"The merge would be refused: {n} conflict{'s have' if n != 1 else ' has'} "
                    "no answer.",
                    file=sys.stderr,
                )
            if not unanswered:  # every rule tried, then rolled back: a refusal is foreseen
                rehearsed = merge_copy(copy, shared, actor=default_actor(), today=today,
                                       answers=answers, plan=plan, dry_run=True)  # fmt: skip
                print(rehearsed.describe(rehearsed=True), file=sys.stderr)
            print(_dry_run_wrote(copy, shared), file=sys.stderr)
            return EXIT_OK
        if unanswered:
            raise CaseReviewError(
                f"{unanswered} conflict{'s have' if unanswered != 1 else ' has'} no answer: "
                "answer with --prefer copy|shared, or with --answers FILE after "
                "--dry-run --write-answers FILE; nothing was merged."
            )
        done = merge_copy(
            copy, shared, actor=default_actor(), today=today, answers=answers, plan=plan
        )
    print(done.describe(), file=sys.stderr)
    return EXIT_OK


def _shared_location(args: argparse.Namespace) -> Location:
    """The shared database: with --passphrase-stdin, the first line is its passphrase only
    when it is an encrypted file (a server's, or a plain file's, copy takes the line)."""
    from db.store.cipher import is_encrypted
    from db.store.location import resolve_location

    location = resolve_location(args.db)
    path = location.path
    if args.passphrase_stdin and (path is None or not path.is_file() or not is_encrypted(path)):
        return location
    return _location(args)


def _copy_location(args: argparse.Namespace, path: Path, shared: Location) -> Location:
    """The copy, with its passphrase when it is encrypted: the shared database's when that
    opens it (a copy of an encrypted file takes its passphrase), else the next line of
    standard input with --passphrase-stdin, else asked for in a terminal."""
    from db.store.cipher import is_encrypted
    from db.store.database import open_database
    from db.store.location import resolve_location

    location = resolve_location(str(path))
    if not is_encrypted(path):
        return location
    if shared.passphrase is not None:
        try:
            open_database(location.with_passphrase(shared.passphrase)).close()
        except CaseReviewError:
            pass
        else:
            return location.with_passphrase(shared.passphrase)
    if args.passphrase_stdin:
        from db.store.cipher import Passphrase

        return location.with_passphrase(Passphrase(_read_passphrase()))
    if sys.stdin.isatty():
        return location.with_passphrase(_ask(f"Passphrase for the copy {path.name}: "))
    raise UsageError(
        "the copy is encrypted: give its passphrase when asked (in a terminal), or on standard "
        "input with --passphrase-stdin (after the shared database's, when that is encrypted too)"
    )


def _print_plan(plan: MergePlan, *, every_change: bool) -> None:
    from db.core.dates import format_date
    from db.exchange.merging import RECORD
    from db.services.merge import describe_conflict, seen, show_value

    merge = plan.merge
    taken = format_date(plan.taken_at.astimezone().date())
    print(f"Copy of {plan.origin_location} taken {taken} by {plan.taken_by}.")
    n = len(merge.applied)
    print(
        f"{n} change{'s' if n != 1 else ''} from the copy to write"
        + (":" if n and every_change else ".")
    )
    if every_change:
        for a in merge.applied:
            if a.field == RECORD:
                print(f"  {a.where}: {'added' if a.old is None else 'deleted'}")
            else:
                print(f"  {a.where}, {a.field.replace('_', ' ')}: {show_value(a.new)}")
    for note in merge.notes:
        print(f"Not written: {note}")
    n = len(merge.conflicts)
    print(f"{n} conflict{'s' if n != 1 else ''}" + (":" if n else "."))
    for number, c in enumerate(merge.conflicts, start=1):
        offline, office = plan.changed(c)
        print(f"  {number}. {describe_conflict(c)}")
        if c.field != RECORD:
            print(f"     when the copy was taken: {show_value(c.base)}")
        mine, theirs = seen(c)
        print(f"     in the copy: {mine}" + (f" ({offline})" if offline else ""))
        print(f"     in the shared database: {theirs}" + (f" ({office})" if office else ""))


def _write_answers(path: Path, plan: MergePlan) -> None:
    from db.services.merge import seen, show_value

    conflicts = []
    for c in plan.merge.conflicts:
        offline, office = plan.changed(c)
        conflicts.append(
            {
                "record": c.where,
                "field": c.field,
                "when taken": show_value(c.base),
                "copy": seen(c)[0],
                "copy changed by": offline,
                "shared": seen(c)[1],
                "shared changed by": office,
                "take": None,
                "value": None,
            }
        )
    body = json.dumps({"copy": plan.copy_id, "conflicts": conflicts}, ensure_ascii=False, indent=2)
    write_atomically(path, (body + "\n").encode("utf-8"))
    n = len(conflicts)
    what = f"the {n} conflicts" if n != 1 else "the conflict"
    print(f"Wrote {what} to {path}: set each one's \"take\" to \"copy\" "
          "or \"shared\" (or \"value\" to the text wanted), then merge with --answers.",
          file=sys.stderr)  # fmt: skip


def _read_answers(path: Path) -> dict[str, object]:
    """An answers file, checked for its form (one sentence naming what is wrong)."""
    from db.store.atomic import not_a_file, special_file

    if special_file(path):
        raise CaseReviewError(f"{not_a_file(path).rstrip('.')}; nothing was merged.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaseReviewError(
            f"Cannot read {path}: {exc.strerror or 'the system refused'}; nothing was merged."
        ) from exc
    bad = f"{path} is not an answers file as merge --write-answers writes it"
    try:
        loaded = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # (nested thousands deep: a trial's)
        raise CaseReviewError(f"{bad} (it is not JSON text); nothing was merged.") from exc
    if not isinstance(loaded, dict) or not isinstance(loaded.get("conflicts"), list):
        raise CaseReviewError(f"{bad} (it has no list of conflicts); nothing was merged.")
    for n, entry in enumerate(loaded["conflicts"], start=1):
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("record"), str)
            and isinstance(entry.get("field"), str)
            and entry.get("take") in (None, "copy", "shared")
            and isinstance(entry.get("value"), str | None)
            and not (entry.get("take") is not None and entry.get("value") is not None)
            and not (entry.get("value") is not None and not entry["value"].strip())
        )
        if not ok:
            raise CaseReviewError(
                f'{bad}: conflict {n} needs a record, a field, and either a "take" of "copy" '
                'or "shared" or a "value" of text that is not empty, not both; nothing was '
                "merged."
            )
    return loaded


def _answers(
    plan: MergePlan, prefer: str | None, answers_file: dict[str, object] | None
) -> dict[tuple[str, str], Answer]:
    from db.services.merge import Answer

    if prefer is not None:
        return {c.key: Answer(prefer) for c in plan.merge.conflicts}
    if answers_file is None:
        return {}
    if answers_file.get("copy") != plan.copy_id:
        raise CaseReviewError(
            "The answers file answers the conflicts of another copy; nothing was merged."
        )
    answers: dict[tuple[str, str], Answer] = {}
    listed = answers_file["conflicts"]
    assert isinstance(listed, list)
    for entry in listed:
        key = (entry["record"], entry["field"])
        shown = (entry.get("copy"), entry.get("shared"))
        # The values it was answered to, as the file shows them: changed since, no answer.
        was = shown if all(isinstance(v, str) for v in shown) else None
        if entry.get("take") is not None:
            answers[key] = Answer(entry["take"], seen=was)
        elif entry.get("value") is not None:
            answers[key] = Answer(None, entry["value"], seen=was)
    return answers


LEAST_SHOWN = 0.005  # ``similar``'s least score listed: what its two decimals show as 0.01


def _similar(args: argparse.Namespace) -> int:
    """Print the earlier learning most like the text or item asked about, best first; an
    item's own review or inspection is left out."""
    from db.core.dates import format_date
    from db.queries.similar import SimilarityIndex
    from db.services.editing import ItemKey, item_by_key
    from db.store.database import open_database

    if args.review is not None and not args.number:
        raise UsageError("--review names the source of --number; give --number too")
    if args.number and args.review is None:
        raise UsageError("--number is an item of --review; give --review too")
    if args.text is not None and not args.text.strip():
        raise UsageError("--text is empty: give the learning to look for")
    with open_database(_location(args)) as database, database.snapshot() as session:
        exclude = None
        text = args.text
        if args.review is not None:
            rec = item_by_key(session, ItemKey(args.review, args.number))
            text, exclude = rec.text or "", rec.source_reference
            if not text.strip():
                raise CaseReviewError(
                    f"Item {args.number} of {args.review} has no text yet, so there is "
                    "nothing to compare."
                )
        index = SimilarityIndex.build(session)
        # An item's earlier learning: none of a source published after its own (as the window)
        own = index.source_of(rec.id) if args.review is not None else None
        found = index.similar(
            session, text, exclude_source=exclude, limit=args.limit, published_by=own and own[1]
        )
        # The nearest whatever their score (the window's detail points here for them), but
        # none that would be shown as "score 0.00" (a new user was shown one).
        found = [m for m in found if m.score >= LEAST_SHOWN]
        # (the words are quoted only from a text the user typed, never from an item's)
        why = None if found else index.why_nothing(text, typed=args.text is not None)
    if args.format == "json":
        if why is not None:  # the list is empty; why, for whoever reads the terminal
            print(why, file=sys.stderr)
        print(
            json.dumps(
                [
                    {
                        "review": m.source,
                        "number": m.number,
                        "text": m.text,
                        "status": m.status.value,
                        "published": m.published.isoformat() if m.published else None,
                        "score": round(m.score, 3),
                    }
                    for m in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    if why is not None:
        print(why, file=sys.stderr)
    elif not found:
        print("No earlier learning like it was found.", file=sys.stderr)
    for m in found:
        published = f", published {format_date(m.published)}" if m.published else ""
        print(f"{m.source} {m.number} ({m.status.label}{published}; score {m.score:.2f}): {m.text}")
    return EXIT_OK


def _themes(args: argparse.Namespace) -> int:
    """List the themes; or rename or merge one (audited, in one transaction)."""
    from db.services import themes
    from db.store.audit import default_actor
    from db.store.database import open_database

    if (args.merge is None) != (args.into is None):
        raise UsageError("--merge OLD and --into THEME go together")
    if args.merge is not None and not (args.merge.strip() and args.into.strip()):
        raise UsageError("--merge and --into each name a theme; one was empty")
    with open_database(_location(args)) as database:
        if args.rename is not None or args.merge is not None:
            with database.change(default_actor()) as session:
                if args.rename:
                    said = themes.rename_theme(session, *args.rename)
                else:
                    said = themes.merge_themes(session, args.merge, args.into)
            print(said, file=sys.stderr)
            return EXIT_OK
        with database.session() as session:
            counted = themes.theme_counts(session)
    if not counted:
        print("No learning themes yet.", file=sys.stderr)
    for theme in counted:
        items = f"{theme.items:,} item{'s' if theme.items != 1 else ''}"
        reviews = f"{theme.reviews:,} review{'s' if theme.reviews != 1 else ''}"
        print(f"{theme.name}\t{items}\t{reviews}")
    return EXIT_OK


def _open_window(args: argparse.Namespace) -> int:
    from desktop.app import run

    passphrase = None
    if args.passphrase_stdin:
        from db.store.cipher import Passphrase

        passphrase = Passphrase(_read_passphrase())
    return run(
        args.db,
        exit_when_ready=args.exit_when_ready,
        started_at=STARTED_AT,
        passphrase=passphrase,
    )


_COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "demo": _demo,
    "export": _export,
    "import": _import,
    "backup": _backup,
    "restore": _restore,
    "check": _check,
    "generate": _generate,
    "brief": _brief,
    "encrypt": _encrypt,
    "meeting": _meeting,
    "minutes": _minutes,
    "checkout": _checkout,
    "merge": _merge,
    "similar": _similar,
    "themes": _themes,
}


@contextmanager
def _removed_on_failure(made: list[Path]) -> Iterator[None]:
    """Delete the database file and the folders this command made for it (``made``, as
    ``open_database`` fills it) if the command then fails before it has written anything
    (``_WRITTEN``): a trial's Ctrl+C just after an import into a new file had committed
    deleted the file, and the command said the import was written. Only what this command
    made goes, so a folder or file reached through ".." (or made meanwhile by another
    process) stays (a review's find), and a folder goes only if nothing else was put in it
    (a trial's refused import into ``nothere/x.sqlite3`` left ``nothere``)."""
    try:
        yield
    except BaseException:
        if not _WRITTEN:
            for path in reversed(made):
                with suppress(OSError):  # tidying; main logs the failure re-raised
                    if path.is_dir() and not path.is_symlink():
                        path.rmdir()  # (a folder holding anything else is kept)
                        continue
                    for suffix in ("", "-wal", "-shm", "-journal"):
                        with suppress(OSError):
                            Path(f"{path}{suffix}").unlink()
        raise
