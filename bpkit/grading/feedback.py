"""``bpkit grade --feedback DIR``: one HTML page per student, to send back.

Each page is a single self-contained file (styles inline, no script, nothing fetched),
readable offline in any browser: the student's total, then for each notebook each
exercise's points, the reason points were lost, and what the failing check printed:
the visible cases that failed, with their inputs, the expected value and the
student's. A failing grading (hidden) case is described only as such, unless the
teacher graded with ``--show-hidden``.
"""
import html
import os
import re
from pathlib import Path

from .scores import format_points, safe_text

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       color: #1d1d1f; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 2em; }
.total { font-size: 1.2em; margin: 0 0 1.5em; } .muted { color: #6e6e73; font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.4em 0.6em;
         border-bottom: 1px solid #d2d2d7; }
th:first-child { width: 11em; } th:nth-child(2) { width: 5em; }
td.points { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.full td.points { color: #1a7f37; } tr.lost td.points { color: #b3261e; font-weight: 600; }
pre { background: #f5f5f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em;
      white-space: pre-wrap; margin: 0.4em 0 0; }
.note { color: #6e6e73; font-style: italic; }
"""


def safe_name(student):
    """A file name for ``student``'s page: letters, digits, ``-``, ``_`` and ``.`` kept."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._") or "student"
    return name[:100]


def write_feedback(results, folder):
    """Write ``folder/<student>.html`` for every student in ``results``; return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    students, written, used = {}, [], set()
    for r in results:
        students.setdefault(r.student, []).append(r)
    for student, mine in students.items():
        name = safe_name(student)
        while name in used:            # two ids that differ only in unsafe characters
            name += "_"
        used.add(name)
        path = folder / f"{name}.html"
        temporary = path.with_suffix(".html.tmp")
        temporary.write_text(page(student, mine), encoding="utf-8")
        os.replace(temporary, path)
        written.append(path)
    return written


def page(student, results):
    """The HTML page of one student's results."""
    graded = [r for r in results if r.graded]
    points, total = sum(r.points for r in graded), sum(r.max_points for r in graded)
    e = lambda text: html.escape(safe_text(text))          # noqa: E731
    parts = [f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>Feedback for {e(student)}</title><style>{STYLE}</style></head><body>",
             f"<h1>Feedback for {e(student)}</h1>",
             f"<p class='total'>{format_points(points)} of {format_points(total)} points</p>"]
    for r in results:
        parts.append(f"<h2>{e(r.notebook)} &mdash; {format_points(r.points)}/{format_points(r.max_points)}"
                     "</h2>" if r.graded else f"<h2>{e(r.notebook)} &mdash; not graded</h2>")
        parts += [f"<p class='note'>{e(note)}</p>" for note in r.notes]
        if r.exercises:
            parts.append("<table><tr><th>exercise</th><th>points</th><th>what happened</th></tr>")
            for x in r.exercises:
                full = x.points == x.max_points
                said = e(x.reason) if x.reason else ("all cases pass" if full else "")
                if x.details.strip():
                    said += f"<pre>{e(x.details.rstrip())}</pre>"
                parts.append(f"<tr class='{'full' if full else 'lost'}'><td>{e(x.name)}</td>"
                             f"<td class='points'>{format_points(x.points)}/{format_points(x.max_points)}"
                             f"</td><td>{said}</td></tr>")
            parts.append("</table>")
    # No seed: with it a student could draw the grading cases, and an answer that
    # memorised them would pass a regrade with the same seed. The teacher's CSV keeps it.
    parts.append("</body></html>\n")
    return "\n".join(parts)
