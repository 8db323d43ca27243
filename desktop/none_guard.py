"""A guard against a reference-counting fault of the Qt bindings on Python 3.11.

shiboken6 6.12 (PySide6 6.12.0, the locked version) returns ``None`` from a binding without
taking a reference to it: every call of a Qt function that returns nothing, or returns no
object (``setText``, ``setEnabled``, ``parent()`` of a window...), takes one reference from
``None``. From Python 3.12 ``None`` is immortal (PEP 683) and nothing is lost; on 3.11 its
count, some 50,000 when the window opens, reaches nought after as many calls, and Python
aborts ("deallocating None"). A long meeting-mode session did that (found by a new user; a
scripted keyboard session under Xvfb aborted after about 14,000 keys).

Until the bindings are mended, the window gives ``None`` a count no session can use up, as
Python 3.12 does. Removed once casereview needs Python 3.12, or a PySide6 without the fault.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 60  # references: more calls than a session could make in centuries


def keep_none_alive() -> bool:
    """Give ``None`` the reserve on CPython before 3.12; whether it was given (never twice).

    The count is the first field of every object in a CPython release build; it is read
    there only when ``sys.getrefcount`` agrees, and left alone otherwise (a debug build)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    count = ctypes.c_ssize_t.from_address(id(None))
    # (sys.getrefcount counts the reference its own argument holds.)
    if count.value != sys.getrefcount(None) - 1:  # not the layout expected: left alone
        return False
    if count.value >= RESERVE:
        return False
    count.value += RESERVE
    return True
