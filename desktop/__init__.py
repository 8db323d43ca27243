"""casereview: the application (command line and Qt window).

Importing this package is cheap: Qt is imported only when the window opens.
"""

__version__ = "0.1.0"
