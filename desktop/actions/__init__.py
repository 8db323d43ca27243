"""The window's workflows, each in one place: ``files`` (import, export, back up, restore a
kept copy, open or make another database, the copy kept on opening) and ``security``
(encrypt, lock, unlock). ``desktop.window.MainWindow`` builds the menus and tabs and connects
each action to these; the work itself is in ``db.services``, shared with the command line."""
