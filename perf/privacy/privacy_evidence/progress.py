"""A text progress bar on stderr: one line, redrawn in place on a terminal, one line per step otherwise."""
import sys
import time


class Progress:
    """Counts weighted steps of the whole run and shows the share done, the elapsed time and the current step."""

    def __init__(self, total, stream=sys.stderr, width=30):
        self.total = max(total, 1e-9)
        self.done = 0.0
        self.stream = stream
        self.width = width
        self.start = time.monotonic()
        self.tty = stream.isatty()

    def step(self, label, weight=1.0):
        """Marks `weight` units done after the step called `label`."""
        self.done = min(self.total, self.done + weight)
        self.show(label)

    def show(self, label):
        share = self.done / self.total
        filled = int(round(share * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.monotonic() - self.start
        line = f"[{bar}] {share * 100:5.1f}% {elapsed:6.0f}s  {label}"
        if self.tty:
            self.stream.write("\r" + line[:150].ljust(150))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
