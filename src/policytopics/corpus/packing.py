"""Cut a sequence of sized items (sentences, clauses) into the fewest groups of balanced size."""

from __future__ import annotations

import math
from collections.abc import Sequence


def balanced_groups(sizes: Sequence[int], limit: int) -> list[range]:
    """Contiguous groups of item indices, each summing to at most `limit`, sizes near equal.

    Uses the fewest groups possible and, among those, minimises the squared deviation of the
    group sizes from their mean. An item larger than `limit` forms a group of its own.
    """
    n = len(sizes)
    if n == 0:
        return []
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
