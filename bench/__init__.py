"""Railguard benchmarks: `python -m bench` (or `make bench`).

Starts its own embedded PostgreSQL and `railguard serve`, runs every scenario with load
generators in separate processes, prints each figure beside the ceilings measured in the same
run on the same machine, and writes `bench/results.json`.
"""
