"""Moving whole data sets in and out: the ``casereview/1`` JSON format and its plain-data form.

A file is first parsed and validated completely into a ``Document`` (plain dataclasses), then
applied to the database in one transaction, so a bad file changes nothing.
"""

from db.exchange.document import Document
from db.exchange.json_format import FORMAT, dump_document, parse_document, read_document_file
from db.exchange.records import ImportSummary, apply_document, collect_document

__all__ = [
    "FORMAT",
    "Document",
    "ImportSummary",
    "apply_document",
    "collect_document",
    "dump_document",
    "parse_document",
    "read_document_file",
]
