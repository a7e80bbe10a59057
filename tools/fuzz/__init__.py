"""The fuzzer (issue 16, item 9): every request kind, made at random, from the descriptors
and by mutating accepted requests, with bad pointers, malformed tokens and isolation cases,
through lkemu's FfiClient and through the drop-in, in several processes at once.

`make fuzz` (FUZZ_SECONDS, 900 by default) runs it; tests/test_fuzz.py runs it for a bounded
time in `make test` and replays the regression corpus (tests/fuzz_corpus). Modules:
generate (requests), values (edge values, memory), tokens, world (live handles), transport
(FfiClient, drop-in), isolation, worker (one client process), record (stats, failures),
run (the run and its report), corpus (shrinking, replay).
"""
