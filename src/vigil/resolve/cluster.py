"""Clustering accepted pairs into persons: union-find, strongest pairs first, never joining two
parties an analyst said are different people (cannot-link), always joining those said the same."""

from __future__ import annotations

from collections.abc import Iterable


class Clusters:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, set[int]] = {i: {i} for i in range(n)}
        self.cannot: dict[int, set[int]] = {}

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def forbid(self, a: int, b: int) -> None:
        self.cannot.setdefault(a, set()).add(b)
        self.cannot.setdefault(b, set()).add(a)

    def _conflict(self, ra: int, rb: int) -> bool:
        small, large = sorted((self.members[ra], self.members[rb]), key=len)
        return any(other in large for i in small for other in self.cannot.get(i, ()))

    def union(self, a: int, b: int) -> bool:
        """Joins the clusters of a and b; False when already joined or an analyst forbade it."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb or self._conflict(ra, rb):
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        return True

    def groups(self) -> Iterable[set[int]]:
        return self.members.values()
