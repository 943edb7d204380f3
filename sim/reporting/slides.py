"""The report as a slide deck (``pdsa report --format pptx``): the bottom line first, then one
slide per chart with its title, the chart at slide size, the footer naming the scenario, and
what to read in it in the speaker notes. Needs python-pptx (``pip install 'pdsa[slides]'``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.reporting.bottom_line import bottom_line
from sim.reporting.footer import footer
from sim.reporting.loading import Results
from sim.results import write_atomic

WIDTH, HEIGHT = 13.333, 7.5
"""A 16:9 slide in inches."""
MARGIN = 0.4
TITLE_HEIGHT = 0.8


class SlidesUnavailable(RuntimeError):
    """python-pptx is not installed."""


def presentation() -> Any:
    try:
        from pptx import Presentation
        from pptx.util import Inches
    except ImportError:  # an optional extra
        raise SlidesUnavailable(
            "the pptx report needs python-pptx: pip install 'pdsa[slides]'"
        ) from None
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(WIDTH), Inches(HEIGHT)
    return deck


def text_box(slide: Any, text: str, top: float, height: float, size: int, bold: bool = False):  # noqa: ANN201
    """A wrapped text box across the slide."""
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(
        Inches(MARGIN), Inches(top), Inches(WIDTH - 2 * MARGIN), Inches(height)
    )
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size, run.font.bold = Pt(size), bold
    return box


def bottom_line_slide(deck: Any, results: Results) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    text_box(slide, f"{results.name}: the bottom line", MARGIN, TITLE_HEIGHT, 28, bold=True)
    body = bottom_line(results) or "Every run failed: there is nothing to weigh."
    text_box(slide, body, MARGIN + TITLE_HEIGHT, HEIGHT - 2.2, 15)
    text_box(slide, footer(results), HEIGHT - 0.9, 0.5, 11)


def chart_slide(deck: Any, title: str, png: bytes, notes: str) -> None:
    """The chart scaled to fit below the title, centred, its aspect kept."""
    from PIL import Image
    from pptx.util import Inches

    slide = deck.slides.add_slide(deck.slide_layouts[6])
    text_box(slide, title, MARGIN * 0.5, TITLE_HEIGHT, 24, bold=True)
    width_px, height_px = Image.open(io.BytesIO(png)).size
    room_w, room_h = WIDTH - 2 * MARGIN, HEIGHT - TITLE_HEIGHT - MARGIN
    scale = min(room_w / width_px, room_h / height_px)
    w, h = width_px * scale, height_px * scale
    left = (WIDTH - w) / 2
    slide.shapes.add_picture(
        io.BytesIO(png), Inches(left), Inches(TITLE_HEIGHT), Inches(w), Inches(h)
    )
    slide.notes_slide.notes_text_frame.text = notes


def write_slides(results: Results, charts: Sequence[tuple[str, bytes, str]], out: Path) -> Path:
    """The deck: the bottom line, then each chart (title, PNG, how to read it) on a slide of
    its own."""
    deck = presentation()
    bottom_line_slide(deck, results)
    for title, png, notes in charts:
        chart_slide(deck, title, png, notes)
    buffer = io.BytesIO()
    deck.save(buffer)
    write_atomic(out, buffer.getvalue())
    return out
