"""``python -m desktop`` runs the ``casereview`` command."""

from desktop.launch import run

run()
