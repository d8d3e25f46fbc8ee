"""Pausing Python's cyclic garbage collector around allocation-heavy, short stretches of the gate.

After a program's evaluation the gate's heap holds Checkov's registries and every recorded
resource; each full collection walks all of them, and decoding or building large acyclic data
(Checkov's graph, the bridged plans, a schema member) triggers many collections. Pausing the
collector for such a stretch leaks nothing: collection resumes afterwards.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the previous state is restored after it.

    Measured when introduced: Checkov over 700 resources, 2.5 s CPU with the collector, 1.5 s
    without. Nests: an inner block leaves the collector paused for the outer one.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
