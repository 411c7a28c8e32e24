"""The report's charts, drawn on the server: one ``Series`` (see ``report``) in, a picture out.

Drawn with matplotlib's object interface on its Agg canvas: no window, no global figure state,
so requests in parallel threads never share a figure. The canvas is drawn once and its pixels
handed over as they are (the PDF compresses them itself): no PNG to encode and decode again.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

WIDTH_INCHES, HEIGHT_INCHES, DPI = 6.4, 3.2, 110
MOST_LABELS = 13  # beyond, every second (third...) label is shown: each tick costs its own text
COLOURS = ("#1b6ca8", "#e07b24", "#3a9a5b", "#8e5ea2")


def draw(series: dict[str, Any]) -> Image.Image:
    """``series`` as a picture: lines (gaps where a value is None) or bars side by side; the
    vertical axis spans ``y_range`` where the series gives one."""
    # Imported here: matplotlib adds about 55 MB to every API process (Pillow 2 MB more), and
    # only reports draw.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    from PIL import Image

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels, named = series["x"], series["series"]
    positions = list(range(len(labels)))
    if series["kind"] == "bar":
        width = 0.8 / max(len(named), 1)
        for index, (name, values) in enumerate(named.items()):
            axes.bar([x + (index - (len(named) - 1) / 2) * width for x in positions],
                     [value or 0 for value in values], width=width, label=name, color=COLOURS[index % len(COLOURS)])
    else:
        for index, (name, values) in enumerate(named.items()):
            axes.plot(positions, [float("nan") if value is None else value for value in values], marker="o",
                      markersize=3, label=name, color=COLOURS[index % len(COLOURS)])
    slanted = len(labels) > 6 and max(map(len, labels)) > 4
    step = -(-len(labels) // MOST_LABELS) or 1
    axes.set_xticks(positions[::step], labels[::step], rotation=45 if slanted else 0,
                    ha="right" if slanted else "center", fontsize=7)
    if series.get("y_range"):
        low, high = series["y_range"]
        axes.set_ylim(low - 0.2, high + 0.2)
        axes.set_yticks(range(low, high + 1))
    else:
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=series["kind"] == "bar"))
    axes.tick_params(axis="y", labelsize=7)
    axes.set_title(series["title"], fontsize=10)
    axes.set_xlabel(series["x_label"], fontsize=8)
    axes.set_ylabel(series["y_label"], fontsize=8)
    if not labels:
        axes.text(0.5, 0.5, "Nothing to show for this period", ha="center", va="center", transform=axes.transAxes)
    elif len(named) > 1:
        axes.legend(fontsize=7)
    # Fixed margins rather than a layout engine, which would lay all the text out once more.
    figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.33 if slanted else 0.17)
    canvas.draw()
    return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")


def png(series: dict[str, Any]) -> bytes:
    """``series`` drawn, as a PNG file's bytes."""
    buffer = io.BytesIO()
    draw(series).save(buffer, format="PNG")
    return buffer.getvalue()
