"""Errors a user can cause and understand.

Every error that reaches the command line or a dialog is a ``CaseReviewError``; its message is
one plain sentence meant for the person at the keyboard, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from db.core.dates import format_date


class CaseReviewError(Exception):
    """An expected failure with a message fit to show the user as it is."""

    # Said to the user already where it arose (the window's refusal to open a database, say):
    # whatever it reaches after that has nothing more to say.
    said = False

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class DatabaseOpenError(CaseReviewError):
    """The database cannot be opened: missing, not a database, or from a newer version."""


class DamagedDatabaseError(DatabaseOpenError):
    """SQLite's own check found the database file damaged; nothing was written to it.

    ``backup`` is the newest sound backup found beside it, if any, to offer in its place;
    ``passphrase`` (a ``db.store.cipher.Passphrase``) the one it was opened with, when encrypted.
    """

    def __init__(
        self, message: str, path: Path, backup: Path | None = None, passphrase: object = None
    ) -> None:
        super().__init__(message)
        self.path = path
        self.backup = backup
        self.passphrase = passphrase


class UnwritableError(CaseReviewError):
    """The database cannot take a change just now: another writer holds it past the wait, its
    disk is full, or it is read-only to this user; nothing was changed."""


class ConflictError(CaseReviewError):
    """The record was changed by someone else since it was read; nothing was saved."""


class RuleError(CaseReviewError):
    """A change breaks a rule of the domain, for example closing without evidence."""


class MergedCopyError(RuleError):
    """A change to a copy taken to a meeting after it was merged back, which could never
    reach the database it came from (db.store.audit.refuse_if_merged)."""

    @classmethod
    def merged(cls, at: dt.datetime, by: str | None) -> MergedCopyError:
        """The refusal for a copy merged back at ``at`` (naive: UTC, as SQLite keeps it) by
        ``by``, in one sentence."""
        moment = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
        return cls(
            f"This copy was merged back on {format_date(moment.astimezone().date())} by "
            f"{by or 'someone'}, so a change made to it now could never reach the database it "
            "came from: make the change there, or take a new copy; nothing was changed."
        )


class NotFoundError(CaseReviewError):
    """A record named by the user does not exist."""


class DocumentError(CaseReviewError):
    """An import document is malformed or holds a bad value."""


class TemporaryFolderFull(OSError):
    """The disk of the temporary folder (``filename``) is full: where openpyxl writes each
    sheet of a workbook before putting it together, whatever the target's disk."""
