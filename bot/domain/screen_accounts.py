"""Find the platform accounts in a screenshot's OCR lines, with the state shown beside each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.screen_text import Presence, SeenAccount, TextLine, normalize, presence_of

# An account shown twice keeps the state that matters most to the lead.
SEVERITY = {Presence.UNKNOWN: 0, Presence.ONLINE: 1, Presence.AWAY: 2, Presence.OFFLINE: 3}


@dataclass(frozen=True)
class _Named:
    """An account named in one line, and where in the line's normalized text."""

    account: str
    line: TextLine
    start: int
    end: int


def find_accounts(
    lines: Sequence[TextLine], aliases: Mapping[str, Sequence[str]]
) -> tuple[SeenAccount, ...]:
    """Return each account named on the screen once, with the state shown beside it.

    An account shown twice takes the state that matters most to the lead: away or offline
    anywhere wins over online.
    """
    names = _alias_table(aliases)
    named = [n for line in lines for n in _accounts_in(line, names)]
    used: set[int] = set()
    seen: dict[str, SeenAccount] = {}
    for item in sorted(named, key=lambda n: (n.line.box[1], n.line.box[0])):
        presence, word = _state_of(item, lines, named, used)
        found = SeenAccount(item.account, presence, word, item.line.text)
        earlier = seen.get(item.account)
        if earlier is None or SEVERITY[found.presence] > SEVERITY[earlier.presence]:
            seen[item.account] = found
    return tuple(seen.values())


def _alias_table(aliases: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """Return (normalized screen name, account), longest names first."""
    table = {normalize(a): a for a in aliases}
    for account, names in aliases.items():
        for name in names:
            table.setdefault(normalize(name), account)
    return sorted(((k, v) for k, v in table.items() if k), key=lambda kv: -len(kv[0]))


def _accounts_in(line: TextLine, names: list[tuple[str, str]]) -> list[_Named]:
    """Return the accounts one line names: exact names first, else one near miss."""
    plain = normalize(line.text)
    taken: list[_Named] = []
    for name, account in names:
        start = plain.find(name)
        while start >= 0:
            end = start + len(name)
            free = all(end <= t.start or start >= t.end for t in taken)
            if free and not _digit_continues(plain, start, end):
                taken.append(_Named(account, line, start, end))
                break
            start = plain.find(name, start + 1)
    if taken:
        return taken
    near = _near_miss(plain, names)
    return [_Named(near[0], line, near[1], near[2])] if near else []


def _digit_continues(text: str, start: int, end: int) -> bool:
    """Whether a name ending or starting in a digit is part of a longer number (店1 in 店12)."""
    after = end < len(text) and text[end - 1].isdigit() and text[end].isdigit()
    before = start > 0 and text[start].isdigit() and text[start - 1].isdigit()
    return after or before


def _near_miss(text: str, names: list[tuple[str, str]]) -> tuple[str, int, int] | None:
    """Return the one account whose name is in ``text`` with a character misread, if any.

    Names of four characters or more allow one edit (two from eight); digits must be read
    exactly, so 淘宝C店1 never stands for 淘宝C店2.
    """
    best: list[tuple[int, str, int, int]] = []
    text_digits = "".join(ch for ch in text if ch.isdigit())
    for name, account in names:
        allowed = 0 if len(name) < 4 else 1 if len(name) < 8 else 2
        digits = "".join(ch for ch in name if ch.isdigit())
        if not allowed or (digits and digits not in text_digits):
            continue
        if sum(ch in text for ch in name) < len(name) - allowed:
            continue  # cheap test first: most lines share hardly a character with a name
        distance, start, end = _substring_distance(name, text)
        whole = not (digits and digits not in text[start:end])
        if distance <= allowed and whole and not _digit_continues(text, start, end):
            best.append((distance, account, start, end))
    if not best:
        return None
    best.sort()
    accounts = {b[1] for b in best if b[0] == best[0][0]}
    return (best[0][1], best[0][2], best[0][3]) if len(accounts) == 1 else None


def _substring_distance(pattern: str, text: str) -> tuple[int, int, int]:
    """Return the fewest edits turning ``pattern`` into some part of ``text``, and that part."""
    # Sellers' algorithm: edit distance where the match may start anywhere in the text.
    previous = [(0, j) for j in range(len(text) + 1)]
    for i, ch in enumerate(pattern, 1):
        current = [(i, 0)]
        for j, other in enumerate(text, 1):
            current.append(
                min(
                    (previous[j - 1][0] + (ch != other), previous[j - 1][1]),
                    (previous[j][0] + 1, previous[j][1]),
                    (current[j - 1][0] + 1, current[j - 1][1]),
                )
            )
        previous = current
    distance, start, end = min((cost, begin, j) for j, (cost, begin) in enumerate(previous))
    return distance, start, end


def _state_of(
    item: _Named, lines: Sequence[TextLine], named: Sequence[_Named], used: set[int]
) -> tuple[Presence, str]:
    """Return the state shown for one account: in its own line, then to its right, then below."""
    plain = normalize(item.line.text)
    own = presence_of(plain[: item.start] + " " + plain[item.end :])
    if own is not None:
        return own
    naming = {id(n.line): n.line for n in named}
    rivals = [line for key, line in naming.items() if key != id(item.line)]
    candidates: list[tuple[int, float, int, tuple[Presence, str]]] = []
    for index, line in enumerate(lines):
        state = presence_of(line.text)
        if index in used or id(line) in naming or state is None or not _only_state(line.text):
            continue
        right = _gap_right(item.line, line)
        if right is not None:
            candidates.append((0, right, index, state))
            continue
        below = _gap_below(item.line, line)
        # a label on another account's row is that account's, even if it sits below this one
        if below is not None and all(_gap_right(r, line) is None for r in rivals):
            candidates.append((1, below, index, state))
    if not candidates:
        return Presence.UNKNOWN, ""
    _, _, index, state = min(candidates)
    used.add(index)
    return state


def _only_state(text: str) -> bool:
    """Whether a line is a state label (● 在线) rather than text that contains the word."""
    plain = normalize(text)
    found = presence_of(plain)
    return found is not None and len(plain) - len(found[1]) <= 2


def _gap_right(name: TextLine, label: TextLine) -> float | None:
    """Return how far right of a name a label sits on the same row, or None if it does not."""
    top, bottom = max(name.box[1], label.box[1]), min(name.box[3], label.box[3])
    gap = label.box[0] - name.box[2]
    same_row = bottom - top >= 0.5 * min(name.height, label.height)
    return gap if same_row and -name.height <= gap <= 12 * name.height else None


def _gap_below(name: TextLine, label: TextLine) -> float | None:
    """Return how far below a name a label sits in the same column (a tile), or None."""
    gap = label.box[1] - name.box[3]
    column = label.box[0] <= name.box[2] and name.box[0] <= label.box[2]
    return gap if column and 0 <= gap <= 5 * name.height else None
