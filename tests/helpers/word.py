"""Word files read back with python-docx, as a reader's word processor would show them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.table import Table


def open_docx(source: Path | bytes) -> WordDocument:
    """A .docx file (or its bytes) opened with python-docx: a file it cannot read fails."""
    return Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))


def headings(document: WordDocument) -> list[str]:
    """The text of every paragraph in a heading (or title) style, in order."""
    return [
        p.text
        for p in document.paragraphs
        if p.style is not None and (p.style.name or "").startswith(("Heading", "Title"))
    ]


def tables(document: WordDocument) -> list[list[list[str]]]:
    """Every table's rows, each a list of its cells' text."""
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def all_text(document: WordDocument) -> str:
    """Every paragraph's and every table cell's text, and the headers' and footers'."""
    parts = [p.text for p in document.paragraphs]
    parts += [cell for table in tables(document) for row in table for cell in row]
    for section in document.sections:
        for part in (section.header, section.footer):
            parts += [p.text for p in part.paragraphs]
    return "\n".join(parts)


def header_rows_repeat(table: Table) -> bool:
    """Whether the table's first row is marked to repeat at the top of each page."""
    marks = table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    return bool(marks)


def fields(part_xml: str) -> Iterator[str]:
    """The instructions of the Word fields in a part's XML (" PAGE ", " NUMPAGES ")."""
    for chunk in part_xml.split("<w:instrText")[1:]:
        yield chunk.split(">", 1)[1].split("</w:instrText>", 1)[0].strip()


def sections_marked(document: WordDocument, marking: str) -> list[bool]:
    """For each section, whether its own header and footer both show ``marking``, and its
    footer numbers the pages with PAGE and NUMPAGES fields."""
    found = []
    for section in document.sections:
        header = "\n".join(p.text for p in section.header.paragraphs)
        footer = "\n".join(p.text for p in section.footer.paragraphs)
        numbered = set(fields(section.footer._element.xml)) >= {"PAGE", "NUMPAGES"}
        found.append(
            not section.header.is_linked_to_previous
            and marking in header
            and marking in footer
            and numbered
        )
    return found
