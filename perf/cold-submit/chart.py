"""A grouped bar chart as plain SVG (no plotting package): one group per point, one bar per series."""
import math
from xml.sax.saxutils import escape

COLORS = ["#9ecae1", "#3182bd", "#fdae6b", "#e6550d", "#a1d99b", "#31a354"]


def grouped_bars(title, groups, series, unit, width=860, height=420):
    """`series`: {legend: [value per group]}; bars start at zero, the axis ends at the largest value rounded up."""
    left, right, top, bottom = 60, 20, 50, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max(max(v) for v in series.values()) or 1.0
    step = nice_step(top_value / 5)
    axis_max = step * (int(top_value / step) + 1)
    group_w = plot_w / len(groups)
    bar_w = group_w * 0.8 / len(series)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>']
    tick = 0.0
    while tick <= axis_max + 1e-9:
        y = top + plot_h - tick / axis_max * plot_h
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
        tick += step
    parts.append(f'<text x="14" y="{top + plot_h / 2}" transform="rotate(-90 14 {top + plot_h / 2})" text-anchor="middle">{escape(unit)}</text>')
    for g, name in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.1
        for s, (legend, values) in enumerate(series.items()):
            h = values[g] / axis_max * plot_h
            x = x0 + s * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                         f'fill="{COLORS[s % len(COLORS)]}"><title>{escape(legend)}: {values[g]:.2f}</title></rect>')
        parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(name)}</text>')
    for s, legend in enumerate(series):
        x = left + s * (plot_w / len(series))
        parts.append(f'<rect x="{x:.1f}" y="{height - 28}" width="12" height="12" fill="{COLORS[s % len(COLORS)]}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{height - 18}">{escape(legend)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def nice_step(raw):
    """The smallest of 1, 2, 5 or 10 times a power of ten that is at least `raw` (> 0)."""
    base = 10.0 ** math.floor(math.log10(raw))
    return next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
