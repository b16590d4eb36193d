"""Detect a document's language, title, year and type from its title and body.

Rules, each returning the value and a short note saying where it came from:

- language: `text.normalize.detect_language` (the one rule the whole pipeline uses).
- title: the file's title line; else the first 《...》 in the opening of the body that names
  a policy document (方案, 规划, 纲要, 意见, 办法, 计划, 通知, 报告, 决定).
- year: the document's own date wins: an English "Time:" byline, else the first full date
  (2021年3月2日, 一九七八年二月二十六日, March 5, 2010) in the opening of the body (the report's
  delivery or the plan's approval date); else the first plausible year in the title
  (1900-2100; 2021 in "规划(2021-2025年)"); else one in the file name (1978.txt). A title year
  that disagrees with the body date is noted (合川区's title says 201年, its body 2021年3月2日).
- doc_type: government_work_report (政府工作报告, or a 工作报告 delivered 在...人民代表大会...
  会议上; in English "Report on the Work of the Government"), five_year_plan (五年规划,
  十四五规划, 远景目标纲要, "Five-Year Plan"), policy_plan (a 方案, 规划,
  意见, 办法, 计划 issued by a government: the body announces 印发了《...》 and then carries
  its targets and tasks), news (an English or Chinese news article with a byline), else
  other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from policytopics.text.normalize import detect_language

__all__ = ["Detected", "derive_title", "detect_doc_type", "detect_language", "detect_year"]

OPENING_CHARS = 300
MIN_YEAR, MAX_YEAR = 1900, 2100
_DATE = re.compile(
    r"^\s*(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?(?:[T\s].*)?$"
)
_FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# the same in Chinese numerals, as older documents date themselves (一九七八年二月二十六日)
_ZH_DIGITS = "〇○零一二三四五六七八九"
_ZH_TO_ARABIC = str.maketrans(_ZH_DIGITS, "000123456789")
_ZH_FULL_DATE = re.compile(
    rf"([{_ZH_DIGITS}]{{4}})\s*年\s*([一二三四五六七八九十]{{1,3}})\s*月\s*"
    r"([一二三四五六七八九十]{1,4})\s*日"
)
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH = "|".join(_MONTHS)
# an English date: March 5, 2010 or 5 March 2010
_EN_FULL_DATE = re.compile(
    rf"\b(?:({_MONTH})\s+(\d{{1,2}}),?\s+(\d{{4}})|(\d{{1,2}})\s+({_MONTH}),?\s+(\d{{4}}))\b",
    re.IGNORECASE,
)
_TITLE_YEAR = re.compile(r"(?<!\d)(\d{1,4})\s*年")  # also catches typos such as 201年
_FOUR_DIGITS = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_BOOK_TITLE = re.compile(r"《([^》]{4,60}(?:方案|规划|纲要|意见|办法|计划|通知|报告|决定))》")
_ISSUED = re.compile(r"印发(?:了)?《[^》]+(?:方案|规划|意见|办法|计划|通知|决定)》")
_FIVE_YEAR = re.compile(r"五年规划|十[一二三四五六七八九]五.{0,4}规划|远景目标纲要")
_WORK_REPORT_VENUE = re.compile(r"在.{0,30}人民代表大会.{0,20}会议上")
_EN_WORK_REPORT = re.compile(
    r"report on the work of the (?:\w+ )?government|government work report", re.IGNORECASE
)
_EN_FIVE_YEAR = re.compile(r"five[- ]year plan", re.IGNORECASE)


@dataclass(frozen=True)
class Detected:
    value: str | int | None
    note: str


def parse_date(value: str) -> tuple[str, str]:
    """A stated date (2013-08-21, 2013/8/21, 2013年8月21日, 2013-08, 2013) -> (ISO date or
    year-month or year, note); ("", why) when it is not one."""
    match = _DATE.match(value)
    if match is None:
        return "", "not a date"
    year = int(match.group(1))
    if not _plausible(year):
        return "", f"year {year} outside {MIN_YEAR}-{MAX_YEAR}"
    month, day = (int(g) if g else 0 for g in match.groups()[1:])
    if (month and not 1 <= month <= 12) or (day and not 1 <= day <= 31):
        return "", "not a date"
    if day:
        return f"{year:04d}-{month:02d}-{day:02d}", "stated date"
    return (f"{year:04d}-{month:02d}" if month else f"{year:04d}"), "stated date"


def derive_title(title: str, body: str) -> Detected:
    if title:
        return Detected(title, "title line")
    match = _BOOK_TITLE.search(body[:OPENING_CHARS])
    if match:
        return Detected(match.group(1), "first 《policy document》 named in the body")
    return Detected("", "no title found")


def _plausible(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def _plausible_years(text: str) -> list[int]:
    """The four-digit numbers of `text` that are plausible years, in order."""
    return [int(y) for y in _FOUR_DIGITS.findall(text) if _plausible(int(y))]


def _zh_number(numeral: str) -> int:
    """一 .. 三十一 (a month or a day in Chinese numerals) as an int."""
    if "十" not in numeral:
        return int(numeral.translate(_ZH_TO_ARABIC))
    tens, _, units = numeral.partition("十")
    return int(tens.translate(_ZH_TO_ARABIC) or 1) * 10 + int(units.translate(_ZH_TO_ARABIC) or 0)


def _opening_dates(opening: str) -> list[tuple[int, int, int, int]]:
    """Every full date in `opening` as (position, year, month, day): Arabic (2021年3月2日),
    Chinese numerals (一九七八年二月二十六日) and English (March 5, 2010; 5 March 2010)."""
    found = [
        (m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
        for m in _FULL_DATE.finditer(opening)
    ]
    for m in _ZH_FULL_DATE.finditer(opening):
        zh = int(m.group(1).translate(_ZH_TO_ARABIC))
        found.append((m.start(), zh, _zh_number(m.group(2)), _zh_number(m.group(3))))
    for m in _EN_FULL_DATE.finditer(opening):
        month, day, year = (
            (m.group(1), m.group(2), m.group(3))
            if m.group(1)
            else (m.group(5), m.group(4), m.group(6))
        )
        found.append((m.start(), int(year), _MONTHS.index(month.lower()) + 1, int(day)))
    return sorted(d for d in found if _plausible(d[1]) and 1 <= d[2] <= 12 and 1 <= d[3] <= 31)


def detect_year(title: str, body: str, published: str, file_name: str = "") -> tuple[Detected, str]:
    """Return (year, the document's own date as ISO or ""). The last resort is a plausible
    four-digit year in `file_name` (1978.txt, report_2025.pdf)."""
    title_years = [int(y) for y in _TITLE_YEAR.findall(title)]
    if published:
        year, date, source = int(published[:4]), published, "stated or byline date"
    else:
        dates = _opening_dates(body[:OPENING_CHARS])
        if dates:
            _, y, m, d = dates[0]
            year, date, source = y, f"{y:04d}-{m:02d}-{d:02d}", "body date"
        else:
            plausible = _plausible_years(title)
            if plausible:
                return Detected(plausible[0], f"title year {plausible[0]}"), ""
            named = _plausible_years(PurePosixPath(file_name).stem)
            if named:
                return Detected(named[0], f"file name year {named[0]}"), ""
            return Detected(None, "no date in byline, body opening, title or file name"), ""
    note = f"{source} {date}"
    disagreeing = [y for y in title_years if y != year]
    if disagreeing:
        note += f" wins over title year {'/'.join(f'{y}年' for y in disagreeing)}"
    return Detected(year, note), date


def detect_doc_type(title: str, body: str, language: str, has_byline: bool) -> Detected:
    opening = body[:OPENING_CHARS]
    if "政府工作报告" in title or (
        "工作报告" in title and _WORK_REPORT_VENUE.search(opening) is not None
    ):
        return Detected("government_work_report", "title names a (government) work report")
    if _WORK_REPORT_VENUE.search(opening) and "各位代表" in opening:
        return Detected("government_work_report", "body opens as a report to the people's congress")
    if _EN_WORK_REPORT.search(title):
        return Detected("government_work_report", "title names the report on a government's work")
    if _FIVE_YEAR.search(title) or _EN_FIVE_YEAR.search(title):
        return Detected("five_year_plan", "title names a five-year plan / 远景目标纲要")
    if _ISSUED.search(opening):
        return Detected(
            "policy_plan", "body announces an issued plan (印发了《...》) and details it"
        )
    if _FIVE_YEAR.search(opening):
        return Detected("five_year_plan", "body opening names a five-year plan / 远景目标纲要")
    if has_byline or language == "en":
        return Detected("news", "news article with an Author/Time byline")
    return Detected("other", "no rule matched")
