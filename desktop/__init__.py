"""casereview: the application (command line and Qt window).

Importing this package is cheap: Qt is imported only when the window opens.
"""

import logging

__version__ = "0.1.0"

# Silent until the command or the window sets the log file up (db.store.logs.set_up).
logging.getLogger(__name__).addHandler(logging.NullHandler())
