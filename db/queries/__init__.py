"""Read models: what the window, the command line and the briefing pack show, read from the database
as frozen rows. The first-page reader here needs no SQLAlchemy."""
