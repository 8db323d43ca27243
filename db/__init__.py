"""The casereview data layer: models, engine, migrations and domain services.

Nothing in this package imports Qt or ReportLab (an import-linter contract enforces it).
"""
