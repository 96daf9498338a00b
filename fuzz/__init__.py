"""The fuzzing habit: every parser the project has, fed mutated and random input, held to its promises.

Run it as `python -m fuzz` (see `fuzz/__main__.py` and docs/fuzzing.md). `registry.TARGETS` names
each parser once, with how to rebuild what it parsed and the errors it may raise; `invariants`
states what every input must give; `mutate` makes the inputs from each target's seeds and the
kept corpus (`fuzz/corpus/<target>/`).
"""
