"""Cut a sequence of sized items (sentences, clauses) into the fewest groups of balanced size."""

from __future__ import annotations

import math
from collections.abc import Sequence

# The exact search costs about (number of items)^2 steps: beyond this many items (a 2 MB line
# cut into thousands of clauses) a linear rule is used instead (`_minimax_groups`).
EXACT_MAX_ITEMS = 1000


def balanced_groups(sizes: Sequence[int], limit: int) -> list[range]:
    """Contiguous groups of item indices, each summing to at most `limit`, sizes near equal.

    Uses the fewest groups possible and, among those, minimises the squared deviation of the
    group sizes from their mean. An item larger than `limit` forms a group of its own.
    More than `EXACT_MAX_ITEMS` items: the fewest groups again, with the largest group as
    small as possible (`_minimax_groups`, linear time) instead of the squared deviation.
    """
    n = len(sizes)
    if n == 0:
        return []
    if n > EXACT_MAX_ITEMS:
        return _minimax_groups(sizes, limit)
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)
    total = prefix[-1]
    for k in range(max(1, math.ceil(total / limit)), n + 1):
        groups = _partition(prefix, k, limit)
        if groups is not None:
            return groups
    return [range(i, i + 1) for i in range(n)]


def _partition(prefix: list[int], k: int, limit: int) -> list[range] | None:
    """Best split into exactly `k` groups, or None if no split respects `limit`."""
    n = len(prefix) - 1
    target = prefix[-1] / k
    inf = math.inf
    cost = [[inf] * (n + 1) for _ in range(k + 1)]
    back = [[0] * (n + 1) for _ in range(k + 1)]
    cost[0][0] = 0.0
    for j in range(1, k + 1):
        for i in range(j, n + 1):
            best, arg = inf, 0
            start = i - 1
            while start >= j - 1:
                size = prefix[i] - prefix[start]
                if size > limit and start < i - 1:
                    break
                if cost[j - 1][start] < inf:
                    value = cost[j - 1][start] + (size - target) ** 2
                    if value < best:
                        best, arg = value, start
                start -= 1
            cost[j][i], back[j][i] = best, arg
    if cost[k][n] == inf:
        return None
    groups, end = [], n
    for j in range(k, 0, -1):
        start = back[j][end]
        groups.append(range(start, end))
        end = start
    return groups[::-1]


def _greedy_groups(sizes: Sequence[int], cap: int) -> list[range]:
    """Fill each group up to `cap` in order (an item larger than `cap` stands alone)."""
    groups: list[range] = []
    start, total = 0, 0
    for i, size in enumerate(sizes):
        if i > start and total + size > cap:
            groups.append(range(start, i))
            start, total = i, 0
        total += size
    groups.append(range(start, len(sizes)))
    return groups


def _minimax_groups(sizes: Sequence[int], limit: int) -> list[range]:
    """The fewest groups within `limit`, filled greedily up to the smallest cap that keeps them.

    The number of greedy groups never grows as the cap grows, so a binary search over the cap
    (about log2(limit) greedy passes) finds the smallest one giving the fewest groups.
    """
    fewest = len(_greedy_groups(sizes, limit))
    low, high = 1, limit
    while low < high:
        middle = (low + high) // 2
        if len(_greedy_groups(sizes, middle)) <= fewest:
            high = middle
        else:
            low = middle + 1
    return _greedy_groups(sizes, low)
