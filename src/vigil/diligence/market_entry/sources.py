"""Footnotes: every figure in the report points to a numbered source (name, year, link).

A report read by a company's lawyers has to say where each number comes from; numbering the
sources once, in order of first use, lets the same source back several figures."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    number: int
    name: str
    year: int | None
    url: str
    is_demo: bool = False


@dataclass
class Footnotes:
    sources: list[Source] = field(default_factory=list)

    def cite(self, name: str, *, year: int | None = None, url: str = "", demo: bool = False) -> int:
        """The footnote number of this source, added the first time it is cited."""
        for source in self.sources:
            if (source.name, source.year, source.url, source.is_demo) == (name, year, url, demo):
                return source.number
        number = len(self.sources) + 1
        self.sources.append(Source(number, name, year, url, demo))
        return number
