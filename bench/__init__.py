"""Benchmarks (not tests). Run each from the repository root as a module: `python -m bench.envs`,
`python -m bench.agent`, `python -m bench.buffer`, `python -m bench.learn`, `python -m bench.miniarcade`,
`python -m bench.robodesk`; each takes `--help`."""
