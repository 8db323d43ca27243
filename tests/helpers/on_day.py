"""The casereview command run on a given day: ``python -m tests.helpers.on_day 2026-12-06
meeting decide ...``. A test that adds a meeting for today and then records a decision at it
must have one "today" from start to end; run near midnight, the command's own clock moved on
between the two and the second command found no meeting on the test's day."""

import datetime as dt
import sys

import desktop.cli

day = dt.date.fromisoformat(sys.argv[1])
desktop.cli._today = lambda: day  # the only clock the command reads a day from
sys.exit(desktop.cli.main(sys.argv[2:]))
