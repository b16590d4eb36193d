"""Level of government and locality from the strongest evidence: title, issuer, byline, body.

The caller applies the manifest first; this module weighs what the document says itself:

1. the issuer named in the title (the words before 关于/印发, e.g. `国务院办公厅关于...`,
   `山东省人民政府关于...`), else the declared issuer (a table's issuer column, Chinese or
   English: `Ministry of Commerce`, `Shandong Provincial People's Government`);
2. other title evidence: a place named in the title (`2021年渝北区政府工作报告`), else a
   central organ or national venue (`中华人民共和国国务院`, `全国代表大会`, `全国人民代表大会`);
   names inside 《...》 are references to other documents and never count;
3. the body's opening, only where the place is named as the speaker's or issuer's own:
   `在XX市第N届人民代表大会...会议上`, a byline line `XX市人民政府`; national: the party's
   national congress (`中国共产党第N次全国代表大会`, `我代表...中央委员会`), a session of the
   National People's Congress (`第N届全国人民代表大会第M次会议上`), `我代表国务院`;
4. otherwise the locality is unknown (blank) with a ledger note; a place merely mentioned in
   the body is never chosen (the body's most-mentioned place is given in the note).

Issuer rules are general: the central organs (国务院, 中共中央, 全国人大, 全国政协, 中央军委,
最高人民法院/检察院, 中央...) and any organ under 国务院 or 国家, or a name ending in 部, 委员会,
委, 总局, 局, 署, 办公室 or 办 that does not start with a place name, are national; an organ
whose name starts with a place (`山东省发展和改革委员会`, `青岛市工业和信息化局`) belongs to
that place. Several issuers (`工业和信息化部、国家发展改革委`): the lead (first) one decides.

A national document has locality `全国`, admin_level `national`, province and city blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policytopics.corpus.gazetteer import Gazetteer, Place, detect_locality, short_name

NATIONAL_LOCALITY = "全国"
OPENING_CHARS = 300

_BOOK = re.compile(r"《[^》]*》")
_PARTY = re.compile(r"^(?:中共|中国共产党)")
_PARTY_CENTRAL = re.compile(r"^(?:中共|中国共产党)中央")
_TITLE_ISSUER = re.compile(r"^(?:\d{4}年)?(?P<issuer>[^，。《》\s]{2,60}?)(?:关于|印发|转发)")
_SEPARATORS = re.compile(r"\s*(?:[、，,;；/]|\band\b)\s*")
_EN_LEAD = re.compile(
    r"^(?:\w+\s+Departments?\s+including\s+|"
    r"(?:General Office|Comprehensive Department|General Department)\s+of\s+(?:the\s+)?)",
    re.IGNORECASE,
)
_LOCAL_UNNAMED = re.compile(r"^[省市县区州旗镇乡我本]|人民政府")
_CENTRAL_ZH = re.compile(
    r"^(?:国务院|中共中央|中国共产党中央委员会|党中央|中央|全国人民代表大会|全国人大|全国政协|"
    r"中国人民政治协商会议全国委员会|最高人民法院|最高人民检察院|中华人民共和国|国家)"
)
_CHINA_ORGAN = re.compile(r"^中国[\u4e00-\u9fff]{2,}(?:会|局|行|院|署|部)$")  # 中国证监会
_ORGAN_END = re.compile(r"(?:部|委员会|委|总局|局|署|办公室|办公厅|办|院|银行|中心)$")
_NATIONAL_TITLE = re.compile(
    r"中华人民共和国|国务院|中共中央|党中央|全国人民代表大会|全国代表大会|全国人大|全国政协"
)
_NATIONAL_OPENING = re.compile(
    r"(?:中国共产党|党的)第[一二三四五六七八九十百\d]+次全国代表大会|"
    r"第[一二三四五六七八九十百\d]+届全国人民代表大会第[一二三四五六七八九十\d]+次会议上|"
    r"我代表[^。\n]{0,20}中央委员会|我代表国务院|"
    # the same in English translations
    r"(?i:session of the \w+ national people['’]s congress|"
    r"national congress of the communist party of china|on behalf of the state council)"
)
_OWN_CONGRESS = re.compile(
    r"在(?P<place>[^\s，。在]{2,30}?)第[一二三四五六七八九十百\d]+届人民代表大会"
)
_OWN_ORGAN = re.compile(
    r"^(?P<place>[^\s，。]{2,30}?)(?:人民政府|人民代表大会|人大常委会|委员会|政府办公厅|政府办公室)"
)
_EN_NATIONAL = re.compile(
    r"\b(?:Ministry|State Council|National|Central|Supreme People's|State(?:\s+\w+)?\s+"
    r"(?:Administration|Bureau|Commission)|General Administration|Chinese Academy|"
    r"People's Republic of China)\b|\bof China\b|^China\b|\bPeople's Bank of China\b",
)
_EN_PLACE = re.compile(
    r"^(?P<name>[A-Z][\w']+(?:\s[A-Z][\w']+)?)\s+(?:Provincial|Municipal|City)\b"
)


@dataclass(frozen=True)
class LevelMatch:
    """A place (or national) and where the evidence came from; place None and not national
    means unknown."""

    place: Place | None
    national: bool
    source: str  # "title issuer" | "issuer" | "title" | "body opening" | ""
    note: str = ""


UNKNOWN = LevelMatch(None, False, "")


def without_references(text: str) -> str:
    """Drop 《...》 names: a title citing 《中华人民共和国数据安全法》 is not national."""
    return _BOOK.sub("", text)


def _leading_place(gazetteer: Gazetteer, name: str) -> Place | None:
    """The place a Chinese organ's name starts with (山东省..., 山东..., 青岛市..., 青岛...);
    the most specific of a run of names (重庆市渝北区人民政府 -> 渝北区); 中共 before a place
    (中共山东省委) is skipped."""
    name = _PARTY.sub("", name) if not _PARTY_CENTRAL.match(name) else name
    chain: list[str] = []
    for match in gazetteer.mentions_in_order(name[:40], "zh"):
        if match.start() != sum(map(len, chain)):
            break
        chain.append(match.group())
    if chain:
        options = gazetteer.places_named(chain[-1], "zh")
        owners = set(chain[:-1]) | {short_name(n) for n in chain[:-1]}
        inside = [p for p in options if p.province in owners or p.city in owners]
        return inside[0] if len(inside) == 1 else _most_general(options)
    for place in _places_by_short_name(gazetteer, name[:4]):
        return place
    return None


def _places_by_short_name(gazetteer: Gazetteer, head: str) -> list[Place]:
    found = []
    for length in (3, 2):
        short = head[:length]
        found = [
            p
            for p in gazetteer.places
            if p.level != "county" and short_name(p.name) == short and p.name != short
        ]
        if len(found) == 1:
            return found
    return []


def _most_general(options: list[Place]) -> Place | None:
    if not options:
        return None
    rank = {"province": 0, "prefecture": 1, "county": 2}
    best = sorted(options, key=lambda p: rank[p.level])
    return best[0] if len(best) == 1 or rank[best[0].level] < rank[best[1].level] else None


def classify_issuer(gazetteer: Gazetteer, issuer: str) -> LevelMatch:
    """National, a place, or unknown for one issuer string (Chinese or English)."""
    issuer = issuer.strip()
    if not issuer:
        return UNKNOWN
    lead = _SEPARATORS.split(_EN_LEAD.sub("", issuer), maxsplit=1)[0].strip()
    if re.search(r"[\u4e00-\u9fff]", lead):
        place = _leading_place(gazetteer, lead)
        if place is not None:
            return LevelMatch(place, False, "issuer", f"issuer {lead}")
        if (
            _CENTRAL_ZH.match(lead)
            or _CHINA_ORGAN.match(lead)
            or (_ORGAN_END.search(lead) and not _LOCAL_UNNAMED.search(lead))
        ):
            return LevelMatch(None, True, "issuer", f"central organ {lead}")
        return LevelMatch(None, False, "", f"issuer {lead}: no place, not a central organ")
    named = _EN_PLACE.match(lead)
    if named is not None:
        options = gazetteer.places_named(named.group("name"), "en")
        if len(options) == 1:
            return LevelMatch(options[0], False, "issuer", f"issuer {lead}")
    for english in sorted(gazetteer.english, key=lambda n: (-len(n), n)):
        if lead.startswith(english + " ") and len(gazetteer.english[english]) == 1:
            return LevelMatch(gazetteer.english[english][0], False, "issuer", f"issuer {lead}")
    if _EN_NATIONAL.search(lead):
        return LevelMatch(None, True, "issuer", f"central organ {lead}")
    return LevelMatch(None, False, "", f"issuer {lead}: no known place, not a central organ")


def title_issuer(title: str) -> str:
    """The issuer written before 关于/印发 in a Chinese title, or ""."""
    match = _TITLE_ISSUER.match(without_references(title).strip())
    return match.group("issuer") if match else ""


def _title_places(gazetteer: Gazetteer, title: str, body: str, language: str) -> Place | None:
    match = detect_locality(gazetteer, title, "", language)
    if match.place is None or match.source != "title":
        return None
    # the title alone may lack the province named in the body for a shared name; re-run
    # with the body as context only (the choice stays among the title's places)
    full = detect_locality(gazetteer, title, body, language)
    return full.place if full.source == "title" else match.place


def _own_place_in_opening(gazetteer: Gazetteer, opening: str) -> tuple[Place | None, str]:
    candidates: list[str] = []
    congress = _OWN_CONGRESS.search(opening)
    if congress is not None:
        candidates.append(congress.group("place"))
    for line in opening.split("\n")[:6]:
        organ = _OWN_ORGAN.match(line.strip())
        if organ is not None:
            candidates.append(organ.group("place"))
    for words in candidates:
        names = gazetteer.mentions(words, "zh")
        if not names:
            continue
        places = [p for n in names for p in gazetteer.places_named(n, "zh")]
        specific = sorted(
            places, key=lambda p: {"province": 0, "prefecture": 1, "county": 2}[p.level]
        )
        # 重庆市渝北区 -> the most specific place named, inside the others
        best = specific[-1]
        inside = [p for p in places if p.level == best.level and p.name == best.name]
        if len(inside) > 1:
            owners = {p.name for p in places} | {short_name(p.name) for p in places}
            inside = [p for p in inside if p.province in owners or p.city in owners] or inside
        if len(inside) == 1:
            return inside[0], f"named as its own in the opening: {words}"
    return None, ""


def detect_level(
    gazetteer: Gazetteer, title: str, body: str, language: str, issuer: str = ""
) -> LevelMatch:
    """National, a place, or unknown from the document's own evidence (module docstring)."""
    notes: list[str] = []
    for source, name in (("title issuer", title_issuer(title)), ("issuer", issuer)):
        if not name:
            continue
        found = classify_issuer(gazetteer, name)
        if found.place is not None or found.national:
            return LevelMatch(found.place, found.national, source, found.note)
        notes.append(found.note)
    clean_title = without_references(title)
    place = _title_places(gazetteer, clean_title, body, language)
    if place is not None:
        return LevelMatch(place, False, "title", "; ".join(notes))
    national = _NATIONAL_TITLE.search(clean_title)
    if national is not None:
        return LevelMatch(None, True, "title", f"title names {national.group()}")
    opening = body[:OPENING_CHARS]
    national = _NATIONAL_OPENING.search(opening)
    if national is not None:
        return LevelMatch(None, True, "body opening", national.group())
    if language == "zh":
        own, note = _own_place_in_opening(gazetteer, opening)
        if own is not None:
            return LevelMatch(own, False, "body opening", note)
    mentioned = gazetteer.mentions(body, language).most_common(3)
    if mentioned:
        listed = ", ".join(f"{name} {count}x" for name, count in mentioned)
        notes.append(f"the body only mentions places ({listed}), none as its own")
    else:
        notes.append("no place or central organ found")
    return LevelMatch(None, False, "", "; ".join(notes))
