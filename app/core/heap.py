"""Garbage collection tuned for a server: the cause of the app's tail latency (issue 17).

Under load, CPython's full (generation 2) collections walked everything the process had made since it
started (SQLAlchemy's and pydantic's models, the OpenAPI document, the Thai areas) and stopped the event
loop for 150-360 ms each, about once every two seconds: every request in flight waited, and the app's p99
was 3-6 x the bare baseline's while its median was close (measured with a `gc.callbacks` probe under
`bench/bench_villages.py`: 24 full collections of 300-365 ms in 40 s of load).

At the end of start-up, what start-up made is moved out of the collector's sight (`gc.freeze()`: it lives
as long as the process anyway), and the thresholds are raised so that objects of requests still in flight
are not promoted, and so not walked again, every few hundred allocations. Garbage in reference cycles is
still collected; each young collection just waits for more of it (bounded by `YOUNG`). Measured the same
way afterwards: no full collection during the load and 15-25 % less CPU per request.

The young threshold was 50,000 at first. On a slower machine a young collection of that many objects
stopped the loop for 85-125 ms (the same probe: 12 such pauses in 13 s of village reads), and the app's
p99 was 128-184 ms against the baseline's 22-27 ms. With 5,000 the longest young or middle pause was
48-65 ms, the p99 65-79 ms and the throughput the same or better (1,252-1,409 against 1,088-1,235 rps),
three runs each, alternated. (The one full collection the probe sees is the interpreter's at exit.)
"""

from __future__ import annotations

import gc

YOUNG = 5_000  # allocations between young collections (CPython's default is 700)
MIDDLE = 20  # young collections per middle one (default 10)
OLD = 100  # middle collections per full one, at most (default 10)


def settle() -> None:
    """Collect what start-up left behind, freeze the rest, and set the server's thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
