"""Charts for the dashboard, drawn on the server as inline SVG: nothing is fetched from
anywhere at run time (agency networks block CDNs), and every number is in the markup. Every
piece of text drawn is escaped here, so a chart is Markup the page's templates take as it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from bot.reports.figures import WeekFigures
from bot.store.retention import plural

WIDTH = 760
LABEL_WIDTH = 190
ROW_HEIGHT = 26
# Above this many weeks the participation chart drops the figures over its bars (each bar
# still carries them in its tooltip and data attributes).
LABELLED_WEEKS = 16


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart: its label, its length, the words at its end."""

    label: str
    value: float
    text: str
    title: str
    data: Mapping[str, str] = field(default_factory=dict)


def _attributes(data: Mapping[str, str]) -> str:
    return "".join(f' data-{name}="{escape(value)}"' for name, value in data.items())


def bar_chart(bars: Sequence[Bar], *, name: str, caption: str) -> Markup:
    """Horizontal bars scaled to the largest value (or to 100 for percentages)."""
    name = escape(name)
    if not bars:
        return Markup(f'<p class="empty" id="{name}-chart">Nothing yet.</p>')
    height = ROW_HEIGHT * len(bars) + 8
    longest = max((bar.value for bar in bars), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 290
    parts = [
        f'<svg id="{name}-chart" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, bar in enumerate(bars):
        y = 4 + index * ROW_HEIGHT
        length = round(room * bar.value / longest, 1)
        parts.append(
            f'<g class="bar"{_attributes({"label": bar.label, **bar.data})}>'
            f"<title>{escape(bar.title)}</title>"
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{max(length, 1)}" height="18" rx="2"/>'
            f'<text class="value" x="{LABEL_WIDTH + max(length, 1) + 6}" y="{y + 17}">'
            f"{escape(bar.text)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def participation_chart(weeks: Sequence[WeekFigures]) -> Markup:
    """Prompts sent and answered each week, side by side, with the answer rate."""
    if not weeks:
        return Markup('<p class="empty" id="participation-chart">Nothing yet.</p>')
    height, top, bottom, left = 240, 24, 40, 40
    plot = height - top - bottom
    step = (WIDTH - left - 10) / len(weeks)
    bar = max(min(step * 0.38, 22), 1.5)
    tallest = max((w.prompts_sent for w in weeks), default=0) or 1
    labelled = len(weeks) <= LABELLED_WEEKS
    every = max(1, round(len(weeks) / 8))
    parts = [
        f'<svg id="participation-chart" class="chart" viewBox="0 0 {WIDTH} {height}" '
        'role="img" aria-label="Prompts sent and answered each week" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{left}" y1="{top + plot}" x2="{WIDTH - 10}" y2="{top + plot}"/>',
        f'<text class="tick" x="{left - 6}" y="{top + 4}" text-anchor="end">{tallest}</text>',
        f'<text class="tick" x="{left - 6}" y="{top + plot}" text-anchor="end">0</text>',
    ]
    for index, week in enumerate(weeks):
        x = left + index * step + (step - 2 * bar) / 2
        sent_height = round(plot * week.prompts_sent / tallest, 1)
        answered_height = round(plot * week.answered / tallest, 1)
        rate = f"{week.rate:.0f}%" if week.rate is not None else ""
        start = week.week.start.isoformat()
        data = {
            "week": start,
            "sent": str(week.prompts_sent),
            "answered": str(week.answered),
            "rate": f"{week.rate:.0f}" if week.rate is not None else "",
            "leaders": str(week.leaders),
            "taking-part": str(week.taking_part),
        }
        parts.append(
            f'<g class="week"{_attributes(data)}>'
            f"<title>Week of {start}: {week.answered} of {week.prompts_sent} prompts answered"
            f"{f' ({rate})' if rate else ''}; {week.taking_part} of "
            f"{plural(week.leaders, 'leader')} took part</title>"
            f'<rect class="sent" x="{x:.1f}" y="{top + plot - sent_height}" width="{bar:.1f}" '
            f'height="{max(sent_height, 0.5)}"/>'
            f'<rect class="answered" x="{x + bar:.1f}" y="{top + plot - answered_height}" '
            f'width="{bar:.1f}" height="{max(answered_height, 0.5)}"/>'
        )
        if labelled:
            parts.append(
                f'<text class="value" x="{x + bar:.1f}" y="{top + plot - sent_height - 6}" '
                f'text-anchor="middle">{week.answered}/{week.prompts_sent}</text>'
            )
        if labelled or index % every == 0:
            parts.append(
                f'<text class="tick" x="{x + bar:.1f}" y="{top + plot + 16}" '
                f'text-anchor="middle">{week.week.start:%b %d}</text>'
            )
        if labelled:
            parts.append(
                f'<text class="rate" x="{x + bar:.1f}" y="{top + plot + 32}" '
                f'text-anchor="middle">{rate}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
