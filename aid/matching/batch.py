"""Assign a whole backlog at once: most urgent and longest waiting first, within everyone's caps."""
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from aid.matching.columns import NeedColumns, VolunteerColumns, need_columns, volunteer_columns
from aid.matching.pairing import need_pairs, slot_pairs
from aid.matching.repair import Board, augment
from aid.matching.scoring import skill_scarcity
from aid.matching.skills import SkillTree
from aid.matching.types import Assignment, NeedInfo, VolunteerInfo
from aid.matching.weights import Weights


def batch_assign(needs: Sequence[NeedInfo], volunteers: Sequence[VolunteerInfo], tree: SkillTree,
                 now: datetime, weights: Weights | None = None) -> list[Assignment]:
    """Fill as many open slots as possible, greedily, in priority order.

    Eligibility and scores are exactly rank()'s (eligibility.RULES, scoring), with the
    skill scarcity of this backlog (scoring.skill_scarcity). Needs are served most urgent
    first, then longest waiting (created_at), then lowest id. Within a need, slots needing
    more skills are filled first, then in listed order. Each slot takes the best candidate
    still free: highest score, then nearest (to the metre), then lowest volunteer id. A
    volunteer takes at most min(capacity - active, week_cap - week_count) slots in the run,
    and at most one slot per need.

    Then, once over all slots in the same order, a slot is filled or improved by the best
    single swap that gains points (repair.augment): another need's slot moves to its next
    free candidate and gives its volunteer over. No filled slot is ever emptied, so every need
    the first pass served stays served (a second pass gained 0.1 % on the bench). Last, slots
    still open take any candidate a swap set free, as in the first pass. Assignments come back
    in need priority order, then in the need's slot order.
    """
    w = weights or Weights()
    vc, nc = volunteer_columns(volunteers, w), need_columns(needs)
    if not vc.people or not nc.needs:
        return []
    vi, ni, km = need_pairs(vc, nc, now)
    slot, v, km, score = slot_pairs(vc, nc, vi, ni, km, tree, skill_scarcity(needs, volunteers, tree), w)
    table = SlotTable(slot, v, km, score, len(nc.slot_req))
    slot_need = np.repeat(np.arange(len(nc.needs)), np.diff(nc.first_slot))
    board = Board(table, list(vc.remaining), slot_need)
    _greedy(nc, board)
    augment(board, list(range(len(slot_need))))
    _greedy(nc, board)
    return _assignments(vc, nc, board)


class SlotTable:
    """Each slot's candidates, best points first; among equal points pick() prefers nearest, then lowest id."""

    def __init__(self, slot, vol, km, score, n_slots: int):
        points = np.rint(score * 1e6).astype(np.int64)
        metres = np.rint(km * 1000).astype(np.int64)
        order = _order(slot.astype(np.int64), points, metres)
        self.vol, self.points, self.metres = vol[order], points[order], metres[order]
        self.bounds = np.searchsorted(slot[order], np.arange(n_slots + 1)).tolist()

    def pick(self, s: int, free, taken, after: int | None = None) -> int | None:
        """Row of slot s's best candidate who has room and is not on the need (below row `after`)."""
        lo, hi, step = self.bounds[s] if after is None else after + 1, self.bounds[s + 1], 32
        for start in range(lo, hi, step):
            for j, v in enumerate(self.vol[start:min(start + step, hi)].tolist(), start):
                if free[v] > 0 and v not in taken:
                    return self._nearest_among_equals(j, hi, free, taken)
        return None

    def _nearest_among_equals(self, j: int, hi: int, free, taken) -> int:
        """Among rows with row j's points, the free one with the fewest metres, then the lowest id."""
        best, k, points = j, j + 1, self.points[j]
        while k < hi and self.points[k] == points:
            v = int(self.vol[k])
            if free[v] > 0 and v not in taken and (self.metres[k], v) < (self.metres[best], self.vol[best]):
                best = k
            k += 1
        return best


def _order(slot, points, metres):
    """Rows by slot, then points (highest first): one np.sort of packed int64 keys when they fit.

    The key packs slot, points and the row number (np.sort is about twice as fast as
    np.argsort here); when it would not fit in 63 bits, np.lexsort on (slot, -points, metres).
    """
    if not len(slot):
        return np.empty(0, np.int64)
    worst = int(points.max()) + 1
    p_bits, i_bits = worst.bit_length(), max(1, (len(slot) - 1).bit_length())
    if int(slot.max()).bit_length() + p_bits + i_bits > 63:
        return np.lexsort((metres, -points, slot))
    rows = np.arange(len(slot), dtype=np.int64)
    keys = np.sort((slot << (p_bits + i_bits)) | ((worst - points) << i_bits) | rows)
    return keys & ((1 << i_bits) - 1)


def _greedy(nc: NeedColumns, board: Board) -> None:
    """Needs in priority order, each open slot its best free candidate (SlotTable.pick)."""
    for i, need in enumerate(nc.needs):
        first = int(nc.first_slot[i])
        for k in sorted(range(len(need.slots)), key=lambda k: (-len(need.slots[k].skills), k)):
            if first + k in board.held:
                continue
            j = board.table.pick(first + k, board.free, board.on_need.get(i, ()))
            if j is not None:
                board.take(first + k, j)


def _assignments(vc: VolunteerColumns, nc: NeedColumns, board: Board) -> list[Assignment]:
    slots = [(n.id, s.id) for n in nc.needs for s in n.slots]
    table = board.table
    return [Assignment(*slots[s], vc.people[int(table.vol[j])].id, int(table.points[j]) / 1e6)
            for s, j in sorted(board.held.items())]
