"""The one table of GBCS message codes: code -> use case, forms, payload family, device (gbcs.md 5.6).

Why a text table: the rows below are gbcs.md 5.6 nearly verbatim (kinds, family,
device, then `code use-case [title]` items separated by `;`), so the table can be
checked against the primer by eye and nothing is typed twice. Codes the primer names
outside 5.6 (5.4 CS02b modes, 5.5 0x00D5, the PECS/HECS codes) follow with the forms
left empty, because RTDS has no message showing them. Names are RTDS / gbcs-parser
names; `-` means the primer gives the code no use-case name, only a description.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Payload families (gbcs.md 5.1).
DLMS, GBZ, ASN1 = "dlms", "gbz", "asn1"

#: Use-case prefixes of commands that a HAN device originates (gbcs.md 2.4): MACed by that
#: device for the target device, not by the ACB.
_HAN_ORIGINATED = ("PCS", "PECS", "HECS")


@dataclass(frozen=True)
class MessageCodeInfo:
    """What a message code means."""

    code: int
    use_case: str | None  #: e.g. "ECS17b"; None for alert codes with no use-case name
    title: str  #: extra words from the primer (variant, description), may be empty
    forms: tuple[str, ...]  #: kinds and protection seen in RTDS: "C:M", "C:M+S", "R:S", "A:M", ...
    families: tuple[str, ...]  #: payload families: "dlms", "gbz", "asn1"
    devices: tuple[str, ...]  #: recipient of commands / originator of responses and alerts

    @property
    def han_originated(self) -> bool:
        """Commands of this code come from a HAN device (PPMID, HCALCS), not from a remote party."""
        return self.use_case is not None and self.use_case.startswith(_HAN_ORIGINATED)

    @property
    def name(self) -> str:
        """A display name: use case and title."""
        return " ".join(part for part in (self.use_case, self.title) if part)


# (kinds, families, devices, items): gbcs.md 5.6 rows in order, then codes named elsewhere in the primer.
_ROWS: tuple[tuple[str, str, str, str], ...] = (
    (
        "C:M R:M",
        "dlms",
        "CHF",
        "0001 CCS01; 0002 CCS02; 0003 CCS03; 0004 CCS04 (also CCS05); 0092 ECS26i; "
        "0093 ECS35c; 00FE CCS07; 010A DBCH01; 010B DBCH02; 010C DBCH03; 010D DBCH04; 010E DBCH05; 010F CCS06",
    ),
    ("A:M", "dlms", "CHF", "0018 CS14; 0110 DBCH06; 0111 DBCH07; 0112 DBCH08; 0113 DBCH09; 0114 DBCH10; 0115 DBCH11"),
    ("A:S", "asn1", "CHF", "0128 CCS08"),
    ("C:M+S R:S", "asn1", "CHF", "0105 CS02b WP-by-WP"),
    ("C:M C:S R:M R:S", "asn1", "CHF ESME GSME a6", "0008 CS02a; 011B CS02f"),
    (
        "C:M R:M",
        "dlms",
        "ESME",
        "0007 CS01a; 0023 ECS14; 0027 ECS17b; 0028 ECS17c; 0029 ECS17d; 002A ECS17e; "
        "002D ECS19; 002E ECS20a; 0034 ECS21b; 0036 ECS22a; 0039 ECS23; 003B ECS26a; 003D ECS26c; 0044 ECS28b; "
        "0045 ECS29a; 0047 ECS34; 0049 ECS35b; 004A ECS37; 004C ECS39a; 004D ECS39b; 004E ECS40; 0058 ECS50; "
        "0059 ECS52; 005E ECS61c; 0060 ECS66; 00AC ECS25a; 00B0 ECS25b; 00B9 ECS35e; 00BA ECS35f; 00BB ECS61a; "
        "00BC ECS23b; 00BE ECS26j; 00C6 ECS26k; 00C9 ECS20d; 00D1 ECS29c; 00D2 ECS29d; 00D9 ECS26l; 00EC ECS25a3; "
        "00ED ECS25b3; 00EF ECS25r2; 00F9 ECS26m; 00FD ECS35g; 011C ECS61d; 011D ECS61e",
    ),
    (
        "C:M+S R:S",
        "dlms",
        "ESME",
        "0019 ECS01a; 001A ECS02; 001B ECS03; 001D ECS05; 001E ECS07; 001F ECS08; "
        "0020 ECS09; 0043 ECS28a; 0046 ECS30; 004B ECS38; 004F ECS42; 0050 ECS43; 0051 ECS44; 0053 ECS46a; "
        "0054 ECS46c; 0055 ECS47; 0062 ECS70; 0068 ECS81; 00A2 ECS01b; 00B3 ECS04b; 00DE ECS08a; 011E ECS47a; "
        "011F ECS47e",
    ),
    (
        "A:S",
        "dlms",
        "ESME",
        "0061 ECS68; 0067 ECS80; 00CC - future-dated execution alert (DLMS); "
        "00CE FDRA firmware distribution receipt alert (DLMS); 0121 ECS101; 0123 ECS200",
    ),
    ("A:M", "dlms", "ESME", "1001 GNCA generic non-critical alert"),
    ("A:S", "dlms gbz", "ESME GSME", "1000 GCA generic critical alert"),
    (
        "C:M+S R:S",
        "asn1",
        "ESME GPF PPMID GSME HCALCS a6",
        "000B CS02d; 000D CS03A1; 000F CS04AC; 0012 CS06; "
        "0102 CS02b supplier-by-supplier; 0103 CS02b NO-by-NO; 0107 CS02b supplier-by-TransCoS; "
        "0126 CS02g by supplier; 0125 CS02g by load controller; 00AB CS03A2; 00AF CS03C",
    ),
    ("C:M R:S", "asn1", "ESME", "0104 CS02b ACB-by-ACB"),
    ("C:S R:S", "asn1", "ESME", "0108 CS02b any-except-abnormal-root-by-recovery"),
    ("A:S", "asn1", "ESME a6 PPMID", "00CA CS06; 00CB CS02b; 0124 CS02g; 012B CS09"),
    ("C:M R:M", "asn1", "GSME GPF PPMID HCALCS", "000E CS03B; 0010 CS04B; 0013 CS07; 008C GCS59; 0129 CS08"),
    ("A:M", "asn1", "GPF", "00B2 GCS62"),
    ("C:M+S R:S", "asn1", "GSME", "007F GCS28"),
    (
        "C:M R:M",
        "gbz",
        "GSME",
        "0014 CS10a; 0015 CS11; 0076 GCS15c; 0079 GCS18; 007B GCS21a; 0080 GCS31; "
        "0082 GCS33; 0088 GCS44; 008D GCS60; 0090 PCS02 from PPMID; 0097 CS01b; 009D GCS21d; 009E GCS21e; "
        "009F GCS21f; 00A1 CS10b; 00AD GCS20; 00B5 GCS21b; 00BF GCS21j; 00C4 GCS15d; 00DA GCS21k; 00FB GCS21m",
    ),
    ("C:M R:M", "gbz", "GPF GSME", "0072 GCS09; 00A0 GCS61; 0096 GCS16b; 00B8 GCS13b; 012A GCS60a"),
    (
        "C:M+S R:S",
        "gbz",
        "GSME",
        "006C GCS02; 006D GCS03; 006E GCS04; 006F GCS05; 007C GCS23; 0081 GCS32; "
        "0085 GCS39; 00B4 GCS40b; 00C0 GCS40c; 00C2 GCS40d; 00D8 GCS25a",
    ),
    (
        "A:S",
        "gbz",
        "GSME",
        "00CD - future-dated execution alert (GBZ); 00CF FDRA firmware distribution receipt alert (GBZ)",
    ),
    # Named in gbcs.md 5.4 / 5.5 / 5.6 text, not present in RTDS: forms unknown.
    ("", "asn1", "", "0100 CS02b root-by-supplier; 0101 CS02b root-by-WAN-provider; 0109 CS02b any-by-contingency"),
    ("", "dlms", "", "00D5 - failure to deliver a remote-party message to the ESME alert"),
    ("", "", "", "0116 PECS01; 0117 PECS02; 0118 PECS03; 0119 HECS01"),
)


def _table() -> dict[int, MessageCodeInfo]:
    table: dict[int, MessageCodeInfo] = {}
    for kinds, families, devices, items in _ROWS:
        for item in items.split(";"):
            code_text, use_case, title = ([*item.strip().split(" ", 2), ""])[:3]
            code = int(code_text, 16)
            assert code not in table, f"message code {code:#06x} listed twice"
            table[code] = MessageCodeInfo(
                code=code,
                use_case=None if use_case == "-" else use_case,
                title=title,
                forms=tuple(kinds.split()),
                families=tuple(families.split()),
                devices=tuple(devices.split()),
            )
    return table


#: Every message code the primer names.
MESSAGE_CODES: dict[int, MessageCodeInfo] = _table()


def lookup(code: int) -> MessageCodeInfo | None:
    """The registry entry of `code`, or None when the code is not one we know."""
    return MESSAGE_CODES.get(code)
