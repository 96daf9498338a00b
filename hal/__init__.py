"""Hardware abstraction layer: every contact with the outside world (architecture.md, hal/)."""
