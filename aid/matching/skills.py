"""The skill tree: a held skill covers itself and every ancestor ("nurse" covers "first-aid")."""
from collections.abc import Mapping
from functools import lru_cache


class SkillTree:
    """Skills by slug with their parent slug; unknown slugs are roots; cycles are cut."""

    def __init__(self, parents: Mapping[str, str | None]):
        self._parents = dict(parents)
        self._up = {slug: self._chain(slug) for slug in self._parents}
        self.closure = lru_cache(maxsize=65536)(self._closure)

    def _chain(self, slug: str) -> tuple[str, ...]:
        """The slug, then its parent, grandparent, ... up to the root (each at most once)."""
        chain = [slug]
        parent = self._parents.get(slug)
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self._parents.get(parent)
        return tuple(chain)

    def ancestors(self, slug: str) -> tuple[str, ...]:
        """The slug itself followed by its ancestors, nearest first."""
        return self._up.get(slug, (slug,))

    def _closure(self, held: frozenset[str]) -> frozenset[str]:
        """Every skill covered by holding `held`."""
        return frozenset(s for h in held for s in self.ancestors(h))

    def covers(self, held: frozenset[str], required: str) -> bool:
        """True when `required` is held, or is an ancestor of a held skill."""
        return required in self.closure(held)

    def coverer(self, held: frozenset[str], required: str) -> str | None:
        """The held skill that covers `required`: itself if held, else the lowest-sorted descendant held."""
        if required in held:
            return required
        return next((h for h in sorted(held) if required in self.ancestors(h)), None)
