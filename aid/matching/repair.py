"""Second pass of the batch run: open a slot by moving a filled one to its next free candidate."""
import numpy as np

TRIES = 64  # candidates of an open slot examined for a swap


class Board:
    """Who holds which slot during a batch run: table rows by slot, slots by volunteer, people by need."""

    def __init__(self, table, free: list[int], slot_need: np.ndarray):
        self.table, self.free, self.slot_need = table, free, slot_need
        self.held: dict[int, int] = {}  # slot -> table row
        self.holds: dict[int, set[int]] = {}  # volunteer -> slots
        self.on_need: dict[int, set[int]] = {}  # need -> volunteers
        self.next_seen: dict[int, tuple[int, int | None]] = {}  # slot -> (holder row, next free row)

    def take(self, slot: int, row: int) -> None:
        v = int(self.table.vol[row])
        self.held[slot] = row
        self.free[v] -= 1
        self.holds.setdefault(v, set()).add(slot)
        self.on_need.setdefault(int(self.slot_need[slot]), set()).add(v)

    def drop(self, slot: int) -> None:
        v = int(self.table.vol[self.held.pop(slot)])
        self.free[v] += 1
        self.holds[v].discard(slot)
        self.on_need[int(self.slot_need[slot])].discard(v)


def augment(board: Board, slots: list[int]) -> int:
    """Fill or improve each slot, in the order given, by the best single swap; returns swaps made.

    For slot s (open, or held by x), each of its first TRIES candidates u ranked above x, not
    already on s's need: if u has room, the move is simply u to s; otherwise, for each slot t of
    another need that u holds, t's next candidate w (ranked below u) who has room and is not on
    t's need takes t.
    Gain in points: points(s, u) - points(s, x) [x absent: 0] + points(t, w) - points(t, u).
    The move with the highest positive gain (ties: the first found) is made, and x is released.
    The scan along s's row stops once points(s, u) - points(s, x) cannot beat the best gain
    found. No filled slot is ever left open.
    """
    table, made = board.table, 0
    for s in slots:
        lo, hi = table.bounds[s], table.bounds[s + 1]
        current = board.held.get(s)
        stop = min(hi, lo + TRIES) if current is None else min(current, lo + TRIES)
        base = 0 if current is None else int(table.points[current])
        best = _best_move(board, s, lo, stop, base)
        if best is not None:
            _, j, t, k = best
            if current is not None:
                board.drop(s)
            if t is not None:
                board.drop(t)
                board.take(t, k)
            board.take(s, j)
            made += 1
    return made


def _best_move(board: Board, s: int, lo: int, stop: int, base: int):
    """(gain, row for s, slot t to move or None, row for t) of the best positive move, or None."""
    table, need, best = board.table, int(board.slot_need[s]), None
    for j in range(lo, stop):
        if best is not None and int(table.points[j]) - base <= best[0]:
            break  # points fall along the row; the swap's other term, points(t, w) - points(t, u), is
            # almost always <= 0 (t already took its best free candidate), so this prunes little of value
        u = int(table.vol[j])
        if u in board.on_need.get(need, ()):
            continue
        if board.free[u] > 0:
            options = [(int(table.points[j]) - base, None, None)]
        else:
            options = []
            for t in sorted(board.holds.get(u, ())):
                k = None if int(board.slot_need[t]) == need else _next_free(board, t)
                if k is not None:
                    gain = int(table.points[j]) - base + int(table.points[k]) - int(table.points[board.held[t]])
                    options.append((gain, t, k))
        for gain, t, k in options:
            if gain > 0 and (best is None or gain > best[0]):
                best = (gain, j, t, k)
    return best


def _next_free(board: Board, t: int) -> int | None:
    """Row of the best candidate ranked below t's holder who has room and is not on t's need, if any.

    The answer is remembered per slot and reused while t's holder is the same and that
    candidate still has room and is still off t's need (a candidate freed meanwhile above it
    is then not seen: a cheaper, slightly weaker search).
    """
    taken, holder = board.on_need.get(int(board.slot_need[t]), ()), board.held[t]
    seen = board.next_seen.get(t)
    if seen is not None and seen[0] == holder:
        k = seen[1]
        if k is None or (board.free[int(board.table.vol[k])] > 0 and int(board.table.vol[k]) not in taken):
            return k
    k = board.table.pick(t, board.free, taken, after=holder)
    board.next_seen[t] = (holder, k)
    return k
