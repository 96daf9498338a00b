"""Pure codecs: bytes <-> typed values. No I/O, no clocks, no globals (architecture.md, protocols/)."""
