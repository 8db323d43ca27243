"""The main window's tabs; each loads its data the first time it is shown."""

from __future__ import annotations

import datetime as dt

from db.queries import first_page
from db.queries.rows import PAGE_SIZE

# (title, module, class) in the window's order. Each tab is built the first time it is shown
# or asked for, so start-up builds only the one on show (and loads only its modules).
#
# The titles have no access keys: Ctrl+1 to Ctrl+6 (the View menu's) show the tabs, and the
# letters are left to the controls of the tab on show. Six tab letters and the menu bar's four
# left the Meetings tab eleven letters for its twelve buttons, so Remove and Move up and down
# had none, and a new user's Alt+R (for Remove) showed the Reviews tab and Alt+I (for Edit)
# the Initiatives tab. Access keys are unique within the window on every tab
# (tests/desktop/test_keys.py).
TABS = (
    ("Reviews", "desktop.tabs.reviews", "ReviewsTab"),
    ("Recommendations", "desktop.tabs.recommendations", "RecommendationsTab"),
    ("Inspection grades", "desktop.tabs.inspections", "InspectionsTab"),
    ("Overview", "desktop.tabs.overview", "OverviewTab"),
    ("Initiatives", "desktop.tabs.initiatives", "InitiativesTab"),
    ("Meetings", "desktop.tabs.meetings", "MeetingsTab"),
)
REVIEWS, RECOMMENDATIONS, MEETINGS = 0, 1, 5
# The tabs that paint from the file and answer from it while the database layer loads
# (``Tab.first_paint``, ``Tab.answers_early``): their modules import none of that layer, so
# the window builds them without waiting for it (tests/desktop/test_first_paint.py).
EARLY = (REVIEWS, RECOMMENDATIONS)


def read_ahead(tab: int, reads: first_page.ReadAhead, today: dt.date) -> None:
    """Start the read the tab at ``tab`` paints its first page from (its ``first_paint``
    takes it), so that SQLite works on it while the window and the tab are being built."""
    if tab == REVIEWS:
        reads.start(first_page.review_rows, today)
    elif tab == RECOMMENDATIONS:
        reads.start(first_page.tracker_page, today, PAGE_SIZE)
