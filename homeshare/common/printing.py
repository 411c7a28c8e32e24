"""The one way the service prints a PDF: an A4 document set in DejaVu Sans, shipped in
``fonts/`` (its licence beside it), so that any name or word prints, Welsh and non-Latin
letters included, on any machine."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

FONT = "DejaVu"
FONTS = Path(__file__).parent / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

PDF_CONTENT = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
"""How the API description shows a PDF download's body: ``**PDF_CONTENT`` in a response's doc."""


def new_document() -> Any:
    """A new A4 document with the fonts loaded (``Document``, below)."""
    return _document_class()()


@functools.cache
def _document_class() -> type:
    """The document's class, made on the first printout: fpdf2 (with fontTools) adds about
    45 MB to every API process, and only printouts ask for it."""
    from fpdf import FPDF

    class Document(FPDF):
        """An A4 page with the fonts loaded, and the two kinds of line every printout uses."""

        def __init__(self) -> None:
            super().__init__(format="A4")
            for style, name in FONT_FILES.items():
                self.add_font(FONT, style, str(FONTS / name))
            self.set_auto_page_break(auto=True, margin=15)
            self.set_margins(18, 18, 18)
            self.add_page()

        def heading(self, text: str, size: int = 13) -> None:
            self.set_font(FONT, "B", size)
            self.ln(3)
            self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
            self.ln(1)

        def line_of(self, label: str, text: str) -> None:
            self.set_font(FONT, "B", 10)
            self.multi_cell(0, 5.5, label, new_x="LMARGIN", new_y="NEXT")
            self.set_font(FONT, "", 10)
            self.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
            self.ln(1)

        def paragraph(self, text: str, size: int = 10, bold: bool = False) -> None:
            """``text`` over as many lines as it takes (a line that fits is set without breaking it)."""
            self.set_font(FONT, "B" if bold else "", size)
            if self.get_string_width(text) <= self.epw:
                self.cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
            else:
                self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")

    return Document
