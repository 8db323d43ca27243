"""The main window's tabs; each loads its data the first time it is shown."""
