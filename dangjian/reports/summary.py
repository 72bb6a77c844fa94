"""The year-end overview: sentence templates (see ``summary_sections``) filled from the metrics registry.

``build_summary(org, year)`` evaluates every registered metric once (one aggregate query each), renders
the sections and returns a ``Summary`` whose pieces remember which metric each figure came from, so the
page can show the bindings and the writers (md, html, docx) print the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.metrics import BaseMetric as Metric
from dangjian.core.metrics import all_metrics, get_examples, get_or_none

from . import figures
from .phrasing import figure_text
from .summary_sections import DEFAULT_SECTIONS, TITLE_KEY, SectionTemplate

if TYPE_CHECKING:
    from dangjian.orgs.models import Org

PLACEHOLDER = re.compile(r"\{([^{}|]+)((?:\|[^{}|]+)*)\}")
METRIC_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
METRIC_FILTERS = {"unit", "cn", "approx", "exact", "if"}
EXAMPLE_FILTER = re.compile(r"^(quoted|first\d+)$")
PLAIN_NAMES = {"year", "org", "org_name"}
SENTENCE_END = "。！？"
CLOSERS = "”’」』）)"
OTHER_SECTION_KEY = "_other"
OTHER_SECTION_HEADING = "其他工作成效"


class TemplateError(ValidationError):
    pass


@dataclass
class Piece:
    text: str
    key: str = ""  # the metric or examples key the text was taken from; "" for prose


@dataclass
class RenderedSection:
    key: str
    heading: str
    paragraphs: list[list[Piece]]


@dataclass
class Summary:
    org: Org
    year: int
    title: str
    subtitle: str
    as_of: datetime
    sections: list[RenderedSection]
    values: dict[str, int] = field(default_factory=dict)
    used_keys: set[str] = field(default_factory=set)

    @property
    def period_text(self) -> str:
        """The span the figures cover: the whole calendar year once it is over, up to the day the
        data was taken while it runs."""
        day = timezone.localtime(self.as_of).date()
        if day.year == self.year:
            return f"统计期间：{self.year}年1月1日至{day.month}月{day.day}日"
        return f"统计期间：{self.year}年1月1日至12月31日"

    @property
    def taken_text(self) -> str:
        day = timezone.localtime(self.as_of)
        # A past year's figures are complete; the date only says when they were read out.
        verb = "数据截至" if day.year <= self.year else "数据提取于"
        return f"{verb}{day.year}年{day.month}月{day.day}日"

    @property
    def as_of_text(self) -> str:
        return f"{self.period_text}　{self.taken_text}"

    def plain_paragraphs(self):
        """(heading, [paragraph text, …]) per section, for the writers."""
        for section in self.sections:
            yield section.heading, ["".join(p.text for p in para) for para in section.paragraphs]


# --- parsing ---------------------------------------------------------------------------------


def split_sentences(line: str) -> list[str]:
    """Sentences of one paragraph; a 。 inside an optional clause ``[…]`` does not end the sentence."""
    sentences: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(line):
        char = line[i]
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char in SENTENCE_END and depth == 0:
            end = i + 1
            while end < len(line) and line[end] in CLOSERS:
                end += 1
            sentences.append(line[start:end])
            start = i = end
            continue
        i += 1
    if line[start:].strip():
        sentences.append(line[start:])
    return sentences


def split_clauses(sentence: str) -> list[tuple[bool, str]]:
    """(optional?, text) segments of a sentence."""
    segments: list[tuple[bool, str]] = []
    for part in re.split(r"(\[[^\[\]]*\])", sentence):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]"):
            segments.append((True, part[1:-1]))
        else:
            segments.append((False, part))
    return segments


def check_template(text: str) -> None:
    """Raise TemplateError for text staff cannot save: unbalanced clauses or unknown placeholders."""
    for line in text.splitlines():
        depth = 0
        for char in line:
            if char == "[":
                depth += 1
                if depth > 1:
                    raise TemplateError("可选分句“[ ]”不能嵌套。", code="nested_clause")
            elif char == "]":
                depth -= 1
                if depth < 0:
                    raise TemplateError("可选分句的“]”没有对应的“[”。", code="unbalanced_clause")
        if depth:
            raise TemplateError("可选分句的“[”没有对应的“]”。", code="unbalanced_clause")
    for match in PLACEHOLDER.finditer(text):
        name, filters = match[1].strip(), [f for f in match[2].split("|") if f]
        if name in PLAIN_NAMES:
            if filters:
                raise TemplateError(f"“{{{name}}}”不能带过滤器。", code="bad_filter")
        elif name.startswith("ex:"):
            bad = [f for f in filters if not EXAMPLE_FILTER.match(f)]
            if bad or not METRIC_KEY.match(name[3:]):
                raise TemplateError(f"示例占位符“{match[0]}”写法不正确。", code="bad_placeholder")
        elif METRIC_KEY.match(name):
            bad = [f for f in filters if f not in METRIC_FILTERS]
            if bad:
                raise TemplateError(f"占位符“{match[0]}”的过滤器“{bad[0]}”不存在。", code="bad_filter")
        else:
            raise TemplateError(f"无法识别的占位符“{match[0]}”。", code="bad_placeholder")
    stray = PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        raise TemplateError("花括号不成对：占位符应写成“{指标代码}”。", code="bad_placeholder")


def referenced_keys(text: str) -> set[str]:
    return {m[1].strip() for m in PLACEHOLDER.finditer(text) if METRIC_KEY.match(m[1].strip())}


# --- rendering -------------------------------------------------------------------------------


class _Context:
    """Figures and examples for one org and year, each fetched at most once."""

    def __init__(self, org, year: int, values: dict[str, int]):
        self.org = org
        self.year = year
        self.values = values
        self._examples: dict[str, list[str]] = {}
        self.used: set[str] = set()

    def examples(self, key: str) -> list[str]:
        if key not in self._examples:
            provider = get_examples(key)
            self._examples[key] = list(provider.fetch(self.org, self.year)) if provider else []
        return self._examples[key]

    def resolve(self, name: str, filters: list[str]) -> tuple[bool, Piece | None]:
        """(ok, piece); a piece with a key is a figure bound to the records."""
        if name == "year":
            return True, Piece(str(self.year))
        if name == "org":
            return True, Piece(self.org.short_name or self.org.name)
        if name == "org_name":
            return True, Piece(self.org.name)
        if name.startswith("ex:"):
            key = name[3:]
            names = self.examples(key)
            quoted = False
            for f in filters:
                if f.startswith("first"):
                    names = names[: int(f[5:])]
                elif f == "quoted":
                    quoted = True
            if not names:
                return False, None
            text = "".join(f"“{n}”" for n in names) if quoted else "、".join(names)
            return True, Piece(text, key)
        metric: Metric | None = get_or_none(name)
        value = self.values.get(name, 0)
        if metric is None or value <= 0:
            return False, None
        if "if" in filters:
            return True, Piece("", name)
        mode = next((f for f in filters if f in ("cn", "approx", "exact")), None)
        return True, Piece(figure_text(metric, value, mode=mode, with_unit="unit" in filters), name)


def _render_segment(ctx: _Context, text: str) -> tuple[bool, bool, list[Piece]]:
    """(ok, bound, pieces) of one clause."""
    pieces: list[Piece] = []
    ok = True
    bound = False
    pos = 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > pos:
            pieces.append(Piece(text[pos : match.start()]))
        name, filters = match[1].strip(), [f for f in match[2].split("|") if f]
        if name not in PLAIN_NAMES:
            bound = True
        good, piece = ctx.resolve(name, filters)
        if not good:
            ok = False
        elif piece is not None:
            pieces.append(piece)
        pos = match.end()
    if pos < len(text):
        pieces.append(Piece(text[pos:]))
    return ok, bound, pieces


def _tidy(pieces: list[Piece]) -> list[Piece]:
    """A sentence whose last clauses were left out must still end with a full stop."""
    while pieces and not pieces[-1].text:
        pieces.pop()
    if pieces and not pieces[-1].key:
        last = pieces[-1].text.rstrip()
        if last and last[-1] in "，、；：":
            pieces[-1] = Piece(last[:-1] + "。")
    return pieces


def _render_sentence(ctx: _Context, sentence: str) -> tuple[bool, list[Piece]]:
    """(bound, pieces); pieces is empty when the sentence is dropped."""
    pieces: list[Piece] = []
    bound_any = False
    bound_kept = False
    for optional, text in split_clauses(sentence):
        ok, bound, segment = _render_segment(ctx, text)
        bound_any = bound_any or bound
        if not ok:
            if optional:
                continue
            return True, []
        bound_kept = bound_kept or bound
        pieces.extend(segment)
    if bound_any and not bound_kept:
        return True, []
    for piece in pieces:
        if piece.key:
            ctx.used.add(piece.key)
    return bound_any, _tidy(pieces)


def render_body(ctx: _Context, body: str) -> list[list[Piece]] | None:
    """Paragraphs of a section, or None when none of its figures has records."""
    paragraphs: list[list[Piece]] = []
    kept_any_figure = False
    for line in body.splitlines():
        if not line.strip():
            continue
        pieces: list[Piece] = []
        has_bound = False
        kept_bound = False
        for sentence in split_sentences(line.strip()):
            bound, rendered = _render_sentence(ctx, sentence)
            has_bound = has_bound or bound
            if bound and rendered:
                kept_bound = True
            pieces.extend(rendered)
        if has_bound and not kept_bound:
            continue
        kept_any_figure = kept_any_figure or kept_bound
        if pieces:
            paragraphs.append(pieces)
    return paragraphs if kept_any_figure else None


def _plain(ctx: _Context, text: str) -> str:
    return "".join(p.text for p in _render_segment(ctx, text)[2])


def build_summary(
    org,
    year: int,
    overrides: dict[str, tuple[str, str]] | None = None,
    metrics: list[Metric] | None = None,
    progress=None,
) -> Summary:
    """Render the overview of ``org``'s subtree for ``year``; ``overrides`` maps a section key to the
    staff's edited (heading, body); ``progress(metric)`` is called before each figure is read (the
    command line shows a progress bar with it — a city's figures take seconds)."""
    overrides = overrides or {}
    metrics = all_metrics() if metrics is None else metrics
    values = figures.values(metrics, org, year)
    for metric in metrics:
        if progress is not None:
            progress(metric)
        if metric.key not in values:
            values[metric.key] = metric.value(org, year)
    ctx = _Context(org, year, values)
    templates: list[SectionTemplate] = [
        SectionTemplate(s.key, *overrides[s.key]) if s.key in overrides else s for s in DEFAULT_SECTIONS
    ]
    title_template = templates[0] if templates and templates[0].key == TITLE_KEY else None
    referenced: set[str] = set()
    sections: list[RenderedSection] = []
    for template in templates:
        if template.key == TITLE_KEY:
            continue
        referenced |= referenced_keys(template.body)
        paragraphs = render_body(ctx, template.body)
        if paragraphs:
            sections.append(RenderedSection(template.key, _plain(ctx, template.heading), paragraphs))
    other = _other_figures(ctx, metrics, referenced)
    if other:
        sections.append(other)
    return Summary(
        org=org,
        year=year,
        title=_plain(ctx, title_template.heading) if title_template else "",
        subtitle=_plain(ctx, title_template.body) if title_template else "",
        as_of=timezone.now(),
        sections=sections,
        values=values,
        used_keys=ctx.used,
    )


def preview_section(org, year: int, key: str, heading: str, body: str) -> RenderedSection | None:
    """One section as it would print, reading only the figures its text names (for the edit form's
    preview); None when none of its figures has records. Raises TemplateError for invalid text."""
    check_template(heading)
    check_template(body)
    keys = referenced_keys(body) | referenced_keys(heading)
    values = {}
    for metric_key in sorted(keys):
        metric = get_or_none(metric_key)
        if metric is not None:
            values[metric_key] = figures.value(metric, org, year)
    ctx = _Context(org, year, values)
    if key == TITLE_KEY:
        return RenderedSection(key, _plain(ctx, heading), [[Piece(_plain(ctx, body))]])
    paragraphs = render_body(ctx, body)
    return RenderedSection(key, _plain(ctx, heading), paragraphs) if paragraphs else None


def _other_figures(ctx: _Context, metrics: list[Metric], referenced: set[str]) -> RenderedSection | None:
    """Registered figures no sentence mentions yet still belong in the overview: one line per area."""
    by_area: dict[str, list[Piece]] = {}
    # A metric registered for a chart ("党员（按状态）") usually repeats a total already written: the
    # same area, unit and value are not printed twice.
    seen = {(m.area, m.unit, ctx.values.get(m.key, 0)) for m in metrics if m.key in referenced}
    for metric in metrics:
        value = ctx.values.get(metric.key, 0)
        if metric.key in referenced or value <= 0:
            continue
        signature = (metric.area, metric.unit, value)
        if metric.breakdown and signature in seen:
            continue
        seen.add(signature)
        pieces = by_area.setdefault(metric.area or "其他", [])
        if pieces:
            pieces.append(Piece("，"))
        pieces.append(Piece(metric.label))
        pieces.append(Piece(figure_text(metric, value, with_unit=True), metric.key))
        ctx.used.add(metric.key)
    if not by_area:
        return None
    paragraphs = [[Piece(f"{area}方面："), *pieces, Piece("。")] for area, pieces in by_area.items()]
    return RenderedSection(OTHER_SECTION_KEY, OTHER_SECTION_HEADING, paragraphs)
