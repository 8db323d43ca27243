"""Briefing packs: ReportLab PDFs for panel meetings. Knows nothing of Qt (import-linter)."""

from desktop.briefing.pack import DEFAULT_MARKING, render_pack

__all__ = ["DEFAULT_MARKING", "render_pack"]
