"""A small in-process rate limit for public forms (the survey): at most ``limit`` attempts per key in a sliding
window. Kept in memory: a restart forgets it, which costs a flood a few more attempts, never a citizen an
answer. The sign-in throttle, which must survive restarts, lives in the case store (engine/access/signin.py)."""

from __future__ import annotations

import time
from collections import deque


class Window:
    def __init__(self, limit: int, seconds: float, clock=time.monotonic, max_keys: int = 50_000):
        self.limit, self.seconds, self.clock, self.max_keys = limit, seconds, clock, max_keys
        self.seen: dict[str, deque] = {}

    def allow(self, key: str) -> bool:
        """Count an attempt for ``key``; False when it is over the limit (the attempt is not counted)."""
        now = self.clock()
        attempts = self.seen.get(key)
        if attempts is None:
            if len(self.seen) >= self.max_keys:
                self._forget(now)
            attempts = self.seen[key] = deque()
        while attempts and attempts[0] <= now - self.seconds:
            attempts.popleft()
        if len(attempts) >= self.limit:
            return False
        attempts.append(now)
        return True

    def _forget(self, now: float) -> None:
        for key in [k for k, v in self.seen.items() if not v or v[-1] <= now - self.seconds]:
            del self.seen[key]
        if len(self.seen) >= self.max_keys:  # still full: the oldest half goes
            for key in sorted(self.seen, key=lambda k: self.seen[k][-1])[: self.max_keys // 2]:
                del self.seen[key]
