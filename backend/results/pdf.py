"""Printable PDF documents with fpdf2 (pure Python, no system library): an edition's results
report and the monthly digest, in the language of the request. The font (DejaVu Sans, vendored
under static/results/fonts) covers French, Arabic and the narrow no-break spaces of our number
formats. In Arabic, HarfBuzz (uharfbuzz, through fpdf2's text shaping) joins the letters and lays
each paragraph out right to left; the pages are aligned to the right and tables read from the right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.formatting import format_date
from backend.i18n import get_locale, text_direction
from backend.i18n import gettext as _
from backend.rendering import STATIC_DIR

FONTS = STATIC_DIR / "results" / "fonts"
INK = (27, 31, 36)
MUTED = (74, 83, 96)
BRAND = (8, 63, 119)
T = TypeVar("T")


class Document(FPDF):
    def __init__(self, title: str, footer_text: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc_title = title
        self.footer_text = footer_text
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_author("Quartiers Participatifs")
        self.set_creator("Quartiers Participatifs")
        self.locale = get_locale()
        self.rtl = text_direction(self.locale) == "rtl"
        self.set_lang(self.locale)
        if self.rtl:
            self.set_text_shaping(use_shaping_engine=True, direction="rtl")
        self.align = "R" if self.rtl else "L"
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, 18)
        self.add_page()
        self.set_font("DejaVu", "B", 17)
        self.set_text_color(*BRAND)
        self.multi_cell(0, 8, title, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text} — {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*INK)

    def h2(self, text: str) -> None:
        self.ln(3)
        self.set_font("DejaVu", "B", 12.5)
        self.set_text_color(*BRAND)
        self.multi_cell(0, 6.5, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def para(self, text: str, size: float = 10.5, bold: bool = False, muted: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, size * 0.5, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def in_reading_order(self, cells: Sequence[T]) -> tuple[T, ...]:
        """A row's cells from the left edge of the page: reversed in a right-to-left document."""
        return tuple(reversed(cells)) if self.rtl else tuple(cells)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value rows: the label where reading starts, the value at the other edge."""
        order = self.in_reading_order
        with self.table(
            col_widths=order((110, 64)), text_align=("LEFT", "RIGHT"), first_row_as_headings=False
        ) as table:
            self.set_font("DejaVu", "", 10)
            for label, value in rows:
                row = table.row()
                for cell in order((label, value)):
                    row.cell(cell)
        self.ln(2)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
        from fpdf.fonts import FontFace

        order = self.in_reading_order
        self.set_font("DejaVu", "", 9)
        bold = FontFace(emphasis="BOLD", fill_color=(231, 240, 251))
        with self.table(
            col_widths=order(widths), headings_style=bold, line_height=5, text_align=self.align
        ) as table:
            head = table.row()
            for h in order(headings):
                head.cell(h)
            for values in rows:
                row = table.row()
                for value in order(values):
                    row.cell(value)
        self.ln(2)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def hash_block(doc: Document, count: int, head_hash: str) -> None:
    doc.h2(_("Le journal public"))
    doc.para(
        _(
            "Chaque décision est écrite dans un journal public. Chaque ligne contient l'empreinte de la précédente : "
            "personne ne peut la changer en secret. Pour vérifier, comparez cette empreinte avec celle affichée sur le site."
        ),
        size=9.5,
    )
    doc.para(_("Nombre de décisions au journal : %(n)s") % {"n": count}, size=9.5)
    doc.set_font("DejaVu", "", 8)
    doc.multi_cell(
        0, 4, _("Empreinte :") + " " + head_hash, align=doc.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )


def generated_on(today: object) -> str:
    return _("Document produit le %(date)s") % {"date": format_date(today)}  # type: ignore[arg-type]
