"""Framings spoken over serial links to radios and dongles, as pure codecs (architecture.md, protocols/serial).

* `hdlc_lite` - OpenThread's HDLC-lite framing (spinel.md 1), carrying
* `spinel` - the Spinel protocol of OpenThread radio co-processors (spinel.md 2-6);
* `ash` and `ezsp` - Silicon Labs' ASH link layer (UG101) and the EZSP frame
  header above it (UG100), for NCP dongles;
* `nrf_sniffer` and `ti_sniffer` - the two sniffer firmwares of radio.md 6.5.

Every module is sans-I/O: bytes in, typed values out and back. Stream
de-framers (`HdlcLiteDeframer`, `AshDeframer`, `NrfSnifferReader`,
`TiSnifferDeframer`) take chunks as they arrive and resynchronise after
garbage; bad input becomes a `SerialDecodeError` (or a `Dropped` event from a
de-framer), never a hang.
"""
