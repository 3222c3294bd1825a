"""A progress line on stderr for a long read, on a terminal only.

Nothing is shown for a read that ends within :data:`AFTER` seconds, nor when stderr is not a
terminal (CI logs, pipes, pre-commit): the line is rewritten in place and cleared at the end,
so it never mixes with a report. File names in it are escaped like every other output.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: Seconds of reading before the first progress line, and between two.
AFTER = 2.0
EVERY = 0.5
#: Lines read between two looks at the clock.
STRIDE = 1 << 14
#: The clock read (a test moves it).
CLOCK = time.monotonic


class Progress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self.due = CLOCK() + AFTER
        self.shown = False
        self.lines = 0

    def read(self, count: int, name: str) -> None:
        """``count`` more lines read of ``name``."""
        self.lines += count
        now = CLOCK()
        if not self.enabled or now < self.due:
            return
        from mtls_lint.escape import inert_text, printable

        self.due = now + EVERY
        self.shown = True
        text = inert_text(printable(f"mtls-lint: {self.lines:,} lines read ({name})"))
        self.stream.write(f"\r{text[:120]}\x1b[K")
        self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
