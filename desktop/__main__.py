"""``python -m desktop`` runs the ``casereview`` command."""

import sys

from desktop.cli import main

sys.exit(main())
