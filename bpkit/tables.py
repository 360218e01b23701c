"""Tables of results: an HTML table in the book and in JupyterLab, aligned text everywhere else.

    bp.table(["batch size", "epochs to C ≤ 0.05"], [[16, 12], [64, None]])

Chapters print their results this way; a table whose headings hold math is
written as Markdown instead, which the book typesets. The plain-text ``repr``
is what a terminal shows and what the notebook tests compare, so every value
is turned into text that is the same on every machine: floats to 4
significant digits, None as "—", booleans as yes/no, infinities as ∞. Strings
are shown as they are, so a chapter that wants another precision formats the
number itself.
"""
import html
import math

import numpy as np


class Table:
    """``headers``: k column names; ``rows``: lists of k values. The first column names the row."""

    def __init__(self, headers, rows):
        self.headers = [str(h) for h in headers]
        self.rows = [[cell(v) for v in row] for row in rows]
        for i, row in enumerate(self.rows):
            if len(row) != len(self.headers):
                raise ValueError(f"row {i} has {len(row)} cells, expected {len(self.headers)}"
                                 f" (one per header): {row}")

    def _repr_html_(self):
        # Names in the first column read best left-aligned, numbers right-aligned. The
        # padding is inline: the book's theme gives a notebook's HTML output no table style.
        def line(cells, tag):
            return "<tr>" + "".join(
                f'<{tag} style="text-align: {"left" if i == 0 else "right"}; padding: 0.1em 0.7em">'
                f"{html.escape(c)}</{tag}>" for i, c in enumerate(cells)) + "</tr>"
        body = "".join(line(r, "td") for r in self.rows)
        return f"<table><thead>{line(self.headers, 'th')}</thead><tbody>{body}</tbody></table>"

    def __repr__(self):
        widths = [max(len(c) for c in column) for column in zip(self.headers, *self.rows)]

        def line(cells):
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
        return "\n".join([line(self.headers), line(["-" * w for w in widths])]
                         + [line(r) for r in self.rows])


def table(headers, rows):
    """A ``Table`` of ``rows`` (lists of values) under ``headers`` (column names)."""
    return Table(headers, rows)


def cell(value):
    """One value as the text of a table cell, the same on every machine."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        return f"{value:.4g}"
    return str(value)
