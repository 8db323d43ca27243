"""The casereview data layer: models, engine, migrations and domain services.

Nothing in this package imports Qt or ReportLab (an import-linter contract enforces it).
"""

import logging

# Silent until the command or the window sets the log file up (db.store.logs.set_up).
logging.getLogger(__name__).addHandler(logging.NullHandler())
