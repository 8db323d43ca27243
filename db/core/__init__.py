"""The values and rules of the domain: vocabulary, field and status rules, dates, errors. No
SQLAlchemy (an import-linter contract)."""
