"""The reused-screenshot index answers exactly what a scan of the whole history would."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.checkin import Checkin, Image, Match, Owner, ReuseIndex, Status, hamming

START = datetime(2026, 1, 1, tzinfo=UTC)


def _history(rng: random.Random, count: int, digits: int) -> list[tuple[Owner, str, str]]:
    """Return ``count`` screenshots (owner, file id, hash), some near copies of earlier ones."""
    shots: list[tuple[Owner, str, str]] = []
    for n in range(count):
        owner = (date(2026, 1, 1) + timedelta(days=n // 6), "day", str(n % 5 + 1))
        if shots and rng.random() < 0.5:
            value = int(rng.choice(shots)[2], 16)
            for bit in rng.sample(range(digits * 4), rng.randint(0, 24)):
                value ^= 1 << bit
        else:
            value = rng.getrandbits(digits * 4)
        shots.append((owner, f"u{n}", f"{value:0{digits}x}"))
    return shots


def _index(shots: list[tuple[Owner, str, str]]) -> ReuseIndex:
    index = ReuseIndex()
    for owner, unique, phash in shots:
        checkin = Checkin(owner[0], owner[1], owner[2], f"{owner[2]}号", START, Status.ON_TIME)
        checkin.images.append(Image("f" + unique, unique, START, phash=phash))
        index.add(checkin)
    return index


def _scan(
    shots: list[tuple[Owner, str, str]], phash: str, owner: Owner, distance: int
) -> Match | None:
    """Return the closest earlier hash of someone else, the first of equals (the old scan)."""
    best: tuple[int, Owner] | None = None
    for seen, _unique, other in shots:
        if seen == owner:
            continue
        apart = hamming(phash, other)
        if apart <= distance and (best is None or apart < best[0]):
            best = (apart, seen)
    if best is None:
        return None
    return Match(best[1][2], f"{best[1][2]}号", best[1][0], best[1][1], "图像相似")


@pytest.mark.parametrize(("digits", "distance"), [(64, 16), (64, 0), (64, 40), (16, 10)])
def test_the_index_finds_the_same_match_as_a_scan_of_every_hash(
    digits: int, distance: int
) -> None:
    rng = random.Random(20261203 + digits + distance)
    shots = _history(rng, 600, digits)
    index = _index(shots)
    queries = _history(rng, 300, digits)
    for n, (_owner, _unique, phash) in enumerate(queries):
        if n % 2:  # a stored hash with about ``distance`` bits flipped: the edge cases
            value = int(shots[rng.randrange(len(shots))][2], 16)
            flips = rng.randint(max(0, distance - 2), distance + 2)
            for bit in rng.sample(range(digits * 4), flips):
                value ^= 1 << bit
            phash = f"{value:0{digits}x}"
        owner = shots[rng.randrange(len(shots))][0] if n % 3 == 0 else (START.date(), "n", "9")
        found = index.find(Image("q", f"q{n}", START, phash=phash), owner, distance)
        assert found == _scan(shots, phash, owner, distance)


def test_a_hash_of_another_width_still_matches_when_the_distance_covers_it() -> None:
    shots = _history(random.Random(7), 20, 64)
    shots.append(((date(2026, 2, 1), "day", "7"), "short", "ab"))
    index = _index(shots)
    owner = shots[0][0]
    for distance in (16, 256):
        probe = Image("q", "q", START, phash="cd")
        assert index.find(probe, owner, distance) == _scan(shots, "cd", owner, distance)
