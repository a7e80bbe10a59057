"""What a fuzzing process records: counts and latency histograms per kind (mergeable across
processes), failures (one line each, the first of a kind of failure in full), and the
request in flight (a breadcrumb file written before each request, so a process killed by a
signal still says what it was doing)."""

from __future__ import annotations

import json
import math
import os
import struct
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .generate import Sample

# Latency histogram: bucket i holds [1.05^i, 1.05^(i+1)) microseconds (5% resolution).
_BASE = math.log(1.05)


def bucket(seconds: float) -> int:
    micros = max(seconds * 1e6, 1.0)
    return int(math.log(micros) / _BASE)


def bucket_seconds(index: int) -> float:
    """The upper edge of a bucket, in seconds."""
    return float(math.exp((index + 1) * _BASE) / 1e6)


@dataclass
class KindStats:
    requests: int = 0
    answered: int = 0  # not refused
    max_s: float = 0.0
    histogram: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, seconds: float, ok: bool) -> None:
        self.requests += 1
        self.answered += ok
        self.max_s = max(self.max_s, seconds)
        self.histogram[bucket(seconds)] += 1

    def merge(self, other: dict[str, Any]) -> None:
        self.requests += int(other["requests"])
        self.answered += int(other["answered"])
        self.max_s = max(self.max_s, float(other["max_s"]))
        for index, count in other["histogram"].items():
            self.histogram[int(index)] += int(count)

    def quantile(self, q: float) -> float:
        total = sum(self.histogram.values())
        if not total:
            return 0.0
        wanted, seen = q * total, 0
        for index in sorted(self.histogram):
            seen += self.histogram[index]
            if seen >= wanted:
                return min(bucket_seconds(index), self.max_s)
        return self.max_s

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "answered": self.answered,
            "max_s": self.max_s,
            "histogram": dict(self.histogram),
        }


class Stats:
    def __init__(self) -> None:
        self.kinds: dict[str, KindStats] = defaultdict(KindStats)  # request kind (or "")
        self.strategies: dict[str, int] = defaultdict(int)
        self.callbacks: dict[str, KindStats] = defaultdict(KindStats)  # async kinds
        self.unanswered: dict[str, int] = defaultdict(int)  # at session end
        self.internal = 0
        self.isolation_cases: dict[str, int] = defaultdict(int)
        self.sessions = 0

    def record(self, sample: Sample, seconds: float, ok: bool) -> None:
        self.kinds[sample.kind or "(undecodable)"].add(seconds, ok)
        self.strategies[sample.strategy] += 1

    @property
    def requests(self) -> int:
        return sum(k.requests for k in self.kinds.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "kinds": {k: v.to_json() for k, v in self.kinds.items()},
            "strategies": dict(self.strategies),
            "callbacks": {k: v.to_json() for k, v in self.callbacks.items()},
            "unanswered": dict(self.unanswered),
            "internal": self.internal,
            "isolation_cases": dict(self.isolation_cases),
            "sessions": self.sessions,
        }

    def merge(self, other: dict[str, Any]) -> None:
        for kind, stats in other["kinds"].items():
            self.kinds[kind].merge(stats)
        for name, count in other["strategies"].items():
            self.strategies[name] += count
        for kind, stats in other["callbacks"].items():
            self.callbacks[kind].merge(stats)
        for kind, count in other["unanswered"].items():
            self.unanswered[kind] += count
        self.internal += other["internal"]
        for name, count in other["isolation_cases"].items():
            self.isolation_cases[name] += count
        self.sessions += other["sessions"]


def failure_record(
    failure: str, sample: Sample | None, detail: str, **extra: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {"failure": failure, "detail": detail[:2000], **extra}
    if sample is not None:
        record.update(
            kind=sample.kind,
            strategy=sample.strategy,
            handles=sample.handles,
            request_hex=sample.payload.hex() if len(sample.payload) < 1 << 20 else "",
            request_bytes=len(sample.payload),
        )
    return record


class FailureLog:
    """failures.jsonl of one process: a failure's signature (what failed, the kind, the
    start of its message) is written once in full; repeats are only counted."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, record: dict[str, Any]) -> bool:
        signature = f"{record['failure']}|{record.get('kind', '')}|{record['detail'][:80]}"
        with self._lock:
            repeat = signature in self._seen
            self._seen[signature] = self._seen.get(signature, 0) + 1
            if repeat:
                return False
            with open(self.path, "a") as out:
                out.write(json.dumps(record) + "\n")
        return True

    def counts(self) -> dict[str, int]:
        return dict(self._seen)


_CRUMB = struct.Struct("<II")


class Breadcrumb:
    """The request in flight, in a file: header (JSON) and payload, each length-prefixed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)

    def write(self, sample: Sample) -> None:
        header = json.dumps(
            {"kind": sample.kind, "strategy": sample.strategy, "handles": sample.handles}
        ).encode()
        os.pwrite(
            self._fd, _CRUMB.pack(len(header), len(sample.payload)) + header + sample.payload, 0
        )

    def close(self) -> None:
        os.close(self._fd)

    @staticmethod
    def read(path: str) -> Sample | None:
        from .generate import decode

        try:
            with open(path, "rb") as file:
                data = file.read()
            header_size, payload_size = _CRUMB.unpack_from(data)
            header = json.loads(data[_CRUMB.size : _CRUMB.size + header_size])
            start = _CRUMB.size + header_size
            payload = data[start : start + payload_size]
        except (OSError, ValueError, struct.error):
            return None
        return Sample(
            header["strategy"], header["kind"], payload, decode(payload), header["handles"]
        )
