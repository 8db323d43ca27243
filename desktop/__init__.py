"""casereview: the application (command line and Qt window).

Importing this package is cheap: Qt is imported only when the window opens. It imports
nothing, so that the command's own handling of Ctrl+C (``desktop.launch``) begins as soon as
Python runs the command: a trial's Ctrl+C as the logging module loaded here was a traceback.
"""

__version__ = "0.1.0"
