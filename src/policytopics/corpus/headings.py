"""Recognise headings in Chinese policy documents: 第X篇/章/节, 一、, （一）, 1., （1）, ——, ●.

A heading has a kind and a rank (a smaller rank is a higher level); the chain of headings
above a passage is its section path. Headings come in two forms:

- own line: the line starts with a marker and is short (five-year plans, news):
  `第一节提质发展白酒产业集群`, `1.实施一体规划管理。`, `——建设区域商贸物流中心。`;
- inline, inside a long line after a sentence end or a colon (the scraped work reports):
  `…请予审议。一、“十三五”时期及2020年工作回顾“十三五”时期，是…`. Where such a heading ends
  is found by `inline_heading_end`: a lower heading (（一）, 1.) ends at its first 。 when that
  comes soon; a top-level one (一、, 第X章) is a title run into its text, so it ends after
  the last of the title words that end such headings (工作回顾, 目标任务, 重点工作安排,
  政府自身建设, ... see `TITLE_ENDINGS`), at its first 。 only if it has none of them:
  三、2021年重点工作 | 今年是…，也是…。  四、加强政府自身建设 | 各位代表！

Plain title lines (`发展目标`, `序言`, English `Keywords: mission`) are recognised by
`is_title_candidate`; whether one really heads a section is decided from its surroundings in
`policytopics.corpus.structure`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "一二三四五六七八九十百零〇两"

RANKS: dict[str, int] = {
    "title": 1,  # a plain title line: 发展目标, 序言, Keywords: mission
    "part": 1,  # 第一篇
    "chapter": 2,  # 第一章
    "section": 3,  # 第一节
    "cn_num": 4,  # 一、
    "cn_paren": 5,  # （一）
    "arabic": 6,  # 1.  1、
    "arabic_paren": 7,  # （1）
    "dash": 8,  # ——建设区域商贸物流中心。
    "bullet": 9,  # ●产业发展 (only a short line without punctuation; else a list item)
}

MARKER = re.compile(
    rf"(?P<part>第(?P<n1>[{_CN_NUM}\d]+)篇)"
    rf"|(?P<chapter>第(?P<n2>[{_CN_NUM}\d]+)章)"
    rf"|(?P<section>第(?P<n3>[{_CN_NUM}\d]+)节)"
    rf"|(?P<cn_num>(?P<n4>[{_CN_NUM}]+)、)"
    rf"|(?P<cn_paren>[（(](?P<n5>[{_CN_NUM}]+)[)）])"
    r"|(?P<arabic>(?P<n6>\d{1,2})[.．、](?![\d.．]))"
    r"|(?P<arabic_paren>[（(](?P<n7>\d{1,2})[)）])"
    r"|(?P<dash>——)"
    r"|(?P<bullet>[●•◆■])"
)
_MARKER_KINDS = tuple(k for k in RANKS if k != "title")
# An inline marker may start a heading only right after a sentence end or a colon.
INLINE_MARKER = re.compile(r"(?<=[。！？；!?;：:])\s*(?=" + MARKER.pattern + ")")
# 二、三产业 and 一、二季度 are enumerations, not headings.
_ENUMERATION = re.compile(rf"[{_CN_NUM}]+、[{_CN_NUM}]")

OWN_LINE_MAX = 48  # a marker line at most this long is a heading as a whole
TERMINATED_MAX = 64  # an inline heading ending at its first 。 is at most this long
UNTERMINATED_MAX = 40  # an inline heading ended by title words is at most this long
TITLE_MAX = {"zh": 30, "en": 150}

TITLE_ENDINGS = (
    *("回顾", "目标", "任务", "工作", "安排", "重点", "建设", "水平", "能力", "要求", "举措"),
    *("措施", "成就", "成效", "形势", "思路", "部署", "建议", "原则", "方向", "背景", "总结"),
    "情况",
)
# words that may directly follow a title ending and still belong to the heading: 工作回顾
_CONTINUATIONS = ("回顾", "任务", "安排", "重点", "工作")
_CONJUNCTIONS = "和及与、"
# top-level inline headings are titles run into their text (三、2021年重点工作今年是…);
# lower ones end at their first 。 even with a comma (（一）着眼…，奋力在…上开好局起好步。)
_TOP_KINDS = ("cn_num", "part", "chapter")
_CLAUSE_PUNCT = "，,、；;：:"
_TERMINALS = "。！？；!?;"
_NO_TITLE = set("，,、；;：:。！？!?")
_TITLE_EN_END = tuple('.!?;:,"”')
# a work report turning to its audience (各位代表！过去五年…) opens a paragraph about the whole
# top-level section: a summary, the problems ahead, or the closing appeal
ADDRESSES = ("各位代表", "同志们")


@dataclass(frozen=True)
class Marker:
    """A heading marker at the start of a string: its kind, number and length."""

    kind: str
    number: int | None
    length: int


def cn_number(text: str) -> int:
    """一 -> 1, 十二 -> 12, 二十一 -> 21, 一〇二 -> 102; Arabic digits pass through."""
    if text.isdigit():
        return int(text)
    if "十" not in text and "百" not in text:
        value = 0
        for ch in text:
            value = value * 10 + CN_DIGITS.get(ch, 0)
        return value
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += max(current, 1) * 100
            current = 0
        elif ch == "十":
            total += max(current, 1) * 10
            current = 0
        else:
            current = CN_DIGITS.get(ch, 0)
    return total + current


def match_marker(text: str, start: int = 0) -> Marker | None:
    """The heading marker at `text[start:]`, if there is one."""
    m = MARKER.match(text, start)
    if m is None or (m.group("cn_num") and _ENUMERATION.match(text, start)):
        return None
    kind = next(k for k in _MARKER_KINDS if m.group(k) is not None)
    digits = next((m.group(f"n{i}") for i in range(1, 8) if m.group(f"n{i}")), None)
    return Marker(kind, cn_number(digits) if digits else None, m.end() - start)


def own_line_heading(line: str) -> Marker | None:
    """The marker of a line that is a heading as a whole (short, at most one sentence)."""
    marker = match_marker(line)
    if marker is None or len(line) > OWN_LINE_MAX or len(line) <= marker.length:
        return None
    body = line[marker.length :]
    if any(ch in _TERMINALS for ch in body[:-1]):
        return None
    if marker.kind == "bullet" and any(ch in _NO_TITLE for ch in body):
        return None
    return marker


def inline_heading_end(text: str, start: int, marker: Marker) -> int | None:
    """End of the heading beginning at `text[start]` inside a long line; None if unclear."""
    body_start = start + marker.length
    stop = body_start
    while stop < len(text) and text[stop] not in _TERMINALS and stop - start < TERMINATED_MAX:
        stop += 1
    terminated = stop < len(text) and text[stop] in _TERMINALS
    if terminated and marker.kind not in _TOP_KINDS:
        return stop + 1
    end = _title_words_end(text, start, body_start)
    if end is not None:
        return end
    return stop + 1 if terminated else None


def _title_words_end(text: str, start: int, body_start: int) -> int | None:
    """After the last title ending word (工作回顾, 目标任务和…远景目标) before the first comma."""
    limit = start + UNTERMINATED_MAX
    end = None
    i = body_start + 1
    while i < min(len(text), limit):
        if text[i] in _CLAUSE_PUNCT or text[i] in _TERMINALS:
            break
        word = next((w for w in TITLE_ENDINGS if text.startswith(w, i)), None)
        if word is None:
            i += 1
            continue
        end = i + len(word)
        while True:
            nxt = next((w for w in _CONTINUATIONS if text.startswith(w, end)), None)
            if nxt is None:
                break
            end += len(nxt)
        if end < len(text) and text[end] in _CONJUNCTIONS:
            i = end + 1  # 目标任务和二〇三五年远景目标: look for the next ending
            continue
        break
    if end is None or end - start > UNTERMINATED_MAX:
        return None
    if end < len(text):
        after = text[end]
        if after in _TERMINALS:
            return end + 1
        if after in _CLAUSE_PUNCT or after in "”’）)》】":
            return None
    return end


def is_title_candidate(line: str, language: str) -> bool:
    """A short line without punctuation that could be a section title (序言, Keywords: mission)."""
    if not line or len(line) > TITLE_MAX.get(language, 30) or match_marker(line):
        return False
    if language == "zh":
        return (
            not any(ch in _NO_TITLE for ch in line)
            and line[0] not in "（(《“【[0123456789"
            and not line.startswith("专栏")
            and re.search(r"[\u4e00-\u9fff]", line) is not None
        )
    return line[0].isalpha() and not line.endswith(_TITLE_EN_END)


def is_lead_sentence(sentence: str, max_chars: int) -> bool:
    """A short topic sentence that heads a paragraph: 综合实力迈上新台阶。 保居民就业。"""
    return (
        2 < len(sentence) <= max_chars
        and sentence.endswith("。")
        and not any(ch in _CLAUSE_PUNCT or ch.isdigit() for ch in sentence)
        and match_marker(sentence) is None
    )
