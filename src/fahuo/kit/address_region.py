"""Region chain matching: find 省/市/区 tokens at the head of an address and resolve them.

A *chain* is a run of region tokens (full or short names, optionally separated by spaces or
punctuation), each one a descendant of the one before: 浙江 杭州市 西湖区, 江苏昆山, 北京朝阳区.
The state of a chain is the set of nodes still possible after its last token; a chain is
resolved when that set, reduced to its deepest members, has one node. Every way of cutting the
text into tokens is tried (there are few), and the cut that consumes the most text wins.

Guards against street names: a *short* name (南京, 中山, 北京, 解放) directly followed by a road
word (路, 街, 大道, 巷 …) is not a region — unless another region name follows it (台州路桥区), or
the word is a landmark (公园, 大学, 广场 …) that starts a longer name of its own (公园路, 大学城):
舟山普陀公园路 is 普陀区 + 公园路, while 北京路 and 西湖大道 stay streets.
The chain stops at the first non-region text, so region names inside the detail are never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fahuo.kit.address_index import FILLER_TOKENS, RegionIndex, get_index

# Characters allowed between two region tokens (and trimmed around the detail).
SEPARATORS = frozenset(" \t,，;；|/、-_·.:：()（）[]【】<>《》\"'")

_FILLERS = frozenset(FILLER_TOKENS)

_ROAD_RE = re.compile(
    r"[东西南北中]?[一二三四五六七八九十\d]*"
    r"(?:路|街|大街|大道|道|巷|弄|胡同|(广场|公园|大厦|大学|商场|小区|花园)|新村|村|里)"
)
# A landmark word that is itself the head of a longer place name (公园路, 大学城, 花园街, 广场北路):
# the name is that compound, not "<region> + landmark", so the short name before it stays a
# region (舟山普陀公园路 -> 普陀区, 楚雄双柏大学城 -> 双柏县). 北京路, 中山大道 and 西湖文化广场 are
# unaffected: there the road word directly ends the name.
_COMPOUND_TAIL_RE = re.compile(r"[东西南北中]?(?:路|街|大街|大道|道|巷|弄|城)")

# How far into an address we look for a chain that does not start at its first character
# (a name glued in front: 王小明浙江省…).
_MAX_SCAN = 24


@dataclass(frozen=True, slots=True)
class RegionMatch:
    start: int  # first character of the first token
    end: int  # one past the last token
    state: frozenset[str]


def _road_follows(ix: RegionIndex, text: str, pos: int) -> bool:
    if pos >= len(text):
        return False
    m = _ROAD_RE.match(text, pos)
    if m is None:
        return False
    if m.group(1) and _COMPOUND_TAIL_RE.match(text, m.end()):
        return False
    # another region name right after a short name means it really was a region (台州路桥区)
    lens = ix.lengths.get(text[pos])
    if lens:
        aliases = ix.aliases
        for length in lens:
            if text[pos : pos + length] in aliases:
                return False
    return True


def _candidates(
    ix: RegionIndex, alias: str, state: frozenset[str], restate: bool
) -> tuple[frozenset[str], frozenset[str]]:
    """State after ``alias``: (when short names count, when a road word follows and they don't)."""
    key = (alias, state, restate)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    full: set[str] = set()
    short: set[str] = set()
    for entry in ix.aliases[alias]:
        code = entry.code
        if not state:
            # a county's short name alone is too weak to start an address (朝阳路, 西湖边 …),
            # except for county-level cities (义乌, 昆山)
            if not entry.full and ix.level[code] == 3 and not ix.name[code].endswith("市"):
                continue
            keep: tuple[str, ...] = (code,)
        else:
            anc = ix.ancestors[code]
            if any(d in anc for d in state):
                keep = (code,)
            elif entry.full and code in state:
                keep = (code,)  # repeated: 北京市北京市, 仙桃市仙桃市
            elif restate:
                # restated ancestor (columns 广东/广州/海珠区 + detail 广东省广州市海珠区…); not in
                # pasted text, where 金华 浙江省… is a name before an address
                keep = tuple(d for d in state if code in ix.ancestors[d])
                if not keep:
                    continue
            else:
                continue
        (full if entry.full else short).update(keep)
    result = (_collapse(ix, full | short), _collapse(ix, full))
    if len(_CACHE) > 100_000:
        _CACHE.clear()
    _CACHE[key] = result
    return result


_CACHE: dict[tuple[str, frozenset[str], bool], tuple[frozenset[str], frozenset[str]]] = {}


def _collapse(ix: RegionIndex, out: set[str]) -> frozenset[str]:
    if len(out) > 1:
        # one token naming a unit and one of its own counties (恩施 = 恩施州 / 恩施市, 吉林 =
        # 吉林省 / 吉林市, 阿勒泰): the wider unit is meant; a following token can still go deeper
        ancestors = ix.ancestors
        if any(ancestors[c] & out for c in out):
            return frozenset(c for c in out if not (ancestors[c] & out))
    return frozenset(out)


def _advance(
    ix: RegionIndex, alias: str, state: frozenset[str], text: str, end: int, restate: bool
) -> frozenset[str]:
    """State after reading ``alias`` (ending at ``end``); empty when it does not fit."""
    hit = _CACHE.get((alias, state, restate))
    with_short, without = hit if hit is not None else _candidates(ix, alias, state, restate)
    if with_short is without or with_short == without or not _road_follows(ix, text, end):
        return with_short
    return without


def _walk(
    ix: RegionIndex, text: str, pos: int, state: frozenset[str], ntok: int, restate: bool
) -> tuple[int, int, frozenset[str]]:
    """Best continuation from ``pos``: (end, tokens used, state)."""
    best = (pos, ntok, state)
    n = len(text)
    j = pos
    while j < n and text[j] in SEPARATORS:
        j += 1
    if j >= n:
        return best
    if text[j] not in ix.lengths:
        return best
    aliases = ix.aliases
    prefixes = ix.prefixes
    found: list[tuple[int, frozenset[str]]] = []
    stop = j + 2
    while stop <= n:
        alias = text[j:stop]
        if alias not in prefixes:
            break
        if alias in aliases:
            new = _advance(ix, alias, state, text, stop, restate)
            if new:
                found.append((stop, new))
        elif alias in _FILLERS and state:
            found.append((stop, state))
        stop += 1
    for stop, new in reversed(found):  # longest first
        res = _walk(ix, text, stop, new, ntok + 1, restate)
        if res[0] > best[0] or (res[0] == best[0] and res[1] < best[1]):
            best = res
    return best


def extend(
    text: str, pos: int, state: frozenset[str], *, restate: bool = False
) -> tuple[int, frozenset[str]]:
    """Continue a chain already in ``state`` from ``pos``; returns (end, state)."""
    ix = get_index()
    end, _, new = _walk(ix, text, pos, state, 1 if state else 0, restate)
    return end, new


def find_region(text: str) -> RegionMatch | None:
    """The region chain of an address: at its start, or failing that the longest one near it."""
    ix = get_index()
    n = len(text)
    start = 0
    while start < n and text[start] in SEPARATORS:
        start += 1
    if start >= n:
        return None
    end, _, state = _walk(ix, text, start, frozenset(), 0, False)
    if state:
        return RegionMatch(start, end, state)
    best: RegionMatch | None = None
    lengths = ix.lengths
    for p in range(start + 1, min(n, start + _MAX_SCAN)):
        if text[p] not in lengths:
            continue
        end, _, state = _walk(ix, text, p, frozenset(), 0, False)
        if state and (best is None or end - p > best.end - best.start):
            best = RegionMatch(p, end, state)
    return best


def deepest(state: frozenset[str]) -> list[str]:
    """Members of ``state`` that are not an ancestor of another member, sorted."""
    ix = get_index()
    if len(state) == 1:
        return list(state)
    covered: set[str] = set()
    for code in state:
        covered |= ix.ancestors[code]
    return sorted(c for c in state if c not in covered)


def ambiguity_candidates(chain_text: str, nodes: list[str]) -> list[str]:
    """Readable candidates for an ambiguous chain; a lone name also lists the prefectures its
    stem names (朝阳区 -> 北京市朝阳区 / 吉林省长春市朝阳区 / 辽宁省朝阳市)."""
    ix = get_index()
    codes = list(nodes)
    stems = range(len(chain_text) - 1, 1, -1) if chain_text in ix.aliases else range(0)
    for length in stems:
        for entry in ix.aliases.get(chain_text[:length], ()):
            if ix.level[entry.code] <= 2 and entry.code not in codes:
                codes.append(entry.code)
    seen: list[str] = []
    for code in codes:
        desc = ix.describe(code)
        if desc not in seen:
            seen.append(desc)
    return seen


def incompatible_name_at(text: str, pos: int, code: str) -> str:
    """A full region name at ``pos`` that cannot belong to ``code`` (浙江省 + 广州市), or ""."""
    ix = get_index()
    n = len(text)
    while pos < n and text[pos] in SEPARATORS:
        pos += 1
    if pos >= n:
        return ""
    for length in ix.lengths.get(text[pos], ()):
        alias = text[pos : pos + length]
        if alias in ix.full_names:
            anc = ix.ancestors[code]
            for entry in ix.aliases[alias]:
                if entry.code == code or code in ix.ancestors[entry.code] or entry.code in anc:
                    return ""
            return alias
    return ""
