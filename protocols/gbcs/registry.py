"""The one table of GBCS message codes: code -> use case, forms, payload family, device (gbcs.md 5.6).

Why a text table: the rows below are gbcs.md 5.6 nearly verbatim (kinds, family,
device, then `code use-case [title]` items separated by `;`), so the table can be
checked against the primer by eye and nothing is typed twice. Codes the primer names
outside 5.6 (5.4 CS02b modes, 5.5 0x00D5, the PECS/HECS codes) follow with the forms
left empty, because RTDS has no message showing them. Names are RTDS / gbcs-parser
names; `-` means the primer gives the code no use-case name, only a description.

Two more columns serve the device side (`firmware.gbcs` intake and sealing):

- `roles`: the remote-party roles that may send the command (gbcs.md 2.1 codes). The
  ESME and GSME/GPF rows copy the *Roles* column of the GBCS use-case mapping tables
  (meters.md 1.1, 1.2: S supplier 2, N network operator 3, A access control broker 4,
  L load controller 8). The CS, CCS and DBCH rows come from GBCS's description of who
  authorises each (gbcs.md 2.1, 5.4, 5.7): CS02b/CS02g by the party the mode names,
  DCC-executed use cases (device log, DBCH, the non-critical join variants, CS08,
  GCS59) by the ACB. R recovery 1, T transitional change of supplier 5, W WAN provider 6.
  A command the ACB sends on behalf of a service user is the ACB's: its role is 4.
- `dated_response`: the response carries the grouping-header date-time. GBCS puts one in
  responses to future-datable commands and to the reads that report a moment's values;
  the codes are those whose RTDS responses carry it (gbcs.md 3.4: all 100 such files).
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
    roles: frozenset[int] = frozenset()  #: remote-party roles that may send the command (empty: unknown / none)
    dated_response: bool = False  #: the response carries the grouping-header date-time

    @property
    def han_originated(self) -> bool:
        """Commands of this code come from a HAN device (PPMID, HCALCS), not from a remote party."""
        return self.use_case is not None and self.use_case.startswith(_HAN_ORIGINATED)

    def has_form(self, form: str) -> bool:
        """Whether RTDS shows this code in `form` ("C:M", "C:S", "C:M+S", "R:S", "A:M", ...)."""
        return form in self.forms

    @property
    def critical_command(self) -> bool:
        """Every command form is signed (C:M+S or C:S only): a command without a signature is refused."""
        commands = [form for form in self.forms if form.startswith("C:")]
        return bool(commands) and all(form.endswith("S") for form in commands)

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
    # Use cases of the GBCS mapping tables that RTDS does not show (meters.md 1.1, 1.2): forms from their
    # message type, SME.C.C (critical: signed and MACed, response signed) or SME.C.NC (MACed both ways).
    (
        "C:M R:M",
        "dlms",
        "ESME",
        "0021 ECS10; 0022 ECS12; 0024 ECS15a; 0025 ECS16; 0026 ECS17a; 002B ECS18a; 002C ECS18b; 002F ECS20b; "
        "0030 ECS20c; 0033 ECS21a; 0035 ECS21c; 0037 ECS22b; 0038 ECS22c; 003A ECS24; 003C ECS26b; 0040 ECS26f; "
        "0042 ECS27; 0048 ECS35a; 0052 ECS45; 005A ECS57; 005F ECS62; 0069 ECS82; 00AE ECS29b; 00BD ECS24b; "
        "00C1 ECS15c; 00D3 ECS29e; 00D4 ECS29f; 00EA ECS25a1; 00EB ECS25a2; 00EE ECS25r1",
    ),
    ("C:M+S R:S", "dlms", "ESME", "001C ECS04a; 00B7 ECS01c; 00C7 ECS01d; 00D7 ECS30a; 00DB ECS48; 011A ECS46d"),
    (
        "C:M R:M",
        "gbz",
        "GSME",
        "0071 GCS07; 0073 GCS11; 0074 GCS13a; 0075 GCS14; 0077 GCS16a; 0078 GCS17; 0083 GCS36; 0084 GCS38; "
        "0087 GCS41; 0089 GCS46; 00B6 GCS13c; 00C3 GCS15b; 00C5 GCS15e; 00F1 GCS20r",
    ),
    ("C:M+S R:S", "gbz", "GSME", "006B GCS01a; 0070 GCS06; 007D GCS24; 0086 GCS40a; 00A3 GCS01b; 00FC GCS24a"),
    ("C:M+S R:S", "asn1", "ESME", "0106 CS02b TransCoS-by-TransCoS"),
)


#: (role letters, message codes): who may send each command (see the module docstring).
_ROLE_ROWS: tuple[tuple[str, str], ...] = (
    # ESME (meters.md 1.1)
    (
        "S",
        "0019 00A2 00B7 00C7 001A 001B 001C 00B3 001D 001E 00DE 0020 0021 0022 0023 0024 00C1 0025 002D 003B "
        "0043 0044 00D7 0046 0047 004B 004C 004F 0050 0051 0053 0054 011A 0055 011E 00DB 005F 0062 0068 0069 "
        "00AC 00EA 00EB 00EC 00EE 00BA 0007 001F",
    ),
    ("SN", "0027 0029 002A"),
    (
        "SNA",
        "0028 002C 0037 0038 0039 00BC 003C 00C6 003D 00F9 0042 0048 0049 00B9 004E 0052 0059 0060",
    ),
    ("SA", "002E 00C9 002F 0030 0033 0034 003A 00BD 0040 00BE 00D9 00BB 005E"),
    ("NA", "0026 002B 0036"),
    ("A", "0035 004D 0058"),
    ("N", "00B0 00ED 00EF 0045 00AE 00D1 00D2 00D3 00D4 004A 005A"),
    ("SNL", "00FD"),
    ("SNAL", "011C 011D"),
    ("L", "011F"),
    # GSME / GPF (meters.md 1.2)
    (
        "S",
        "0097 0015 006B 00A3 006C 006D 006E 006F 0070 0071 0072 0073 00B8 0075 00AD 00F1 00B5 007C 007D 00FC "
        "00D8 0081 0085 0086 00B4 00C0 00C2 0087 0088 008D 007F 012A 009D 009E",
    ),
    ("SN", "0074 00B6"),
    ("SNA", "0014 00A1 0078 007B 00FB 0082 0084 0089 00A0"),
    ("SA", "00C3 0076 00C4 00C5 0077 0096 0079 009F 00BF 00DA"),
    ("A", "0080 0083"),
    # CHF: DCC-executed (gbcs.md 5.7)
    ("A", "0001 0002 0003 0004 0092 0093 00FE 010A 010B 010C 010D 010E 010F 008C"),
    # CS family (gbcs.md 5.4): credentials, join, firmware
    ("RSNATWL", "0008 011B"),
    ("S", "0100 0102 0126 000B 000D 0012"),
    ("A", "0102"),  # supplier handover on the GPF by the DCC (RTDS 6.21)
    ("W", "0101 0105"),
    ("N", "0103"),
    ("A", "0104"),
    ("T", "0106 0107"),
    ("R", "0108 0109"),
    ("L", "0125"),
    ("SA", "00AB 000E 00AF 000F 0010 0129"),
    ("SNA", "0013"),
)
_ROLE_LETTERS = {"R": 1, "S": 2, "N": 3, "A": 4, "T": 5, "W": 6, "L": 8}
#: Codes whose responses carry the grouping-header date-time (gbcs.md 3.4, the 100 RTDS responses).
_DATED_RESPONSES = frozenset(
    (
        *range(0x0102, 0x0109),
        *(0x0012, 0x0125, 0x0126, 0x012A, 0x0019, 0x001A, 0x001B, 0x001F, 0x0027, 0x0028, 0x0029, 0x002A),
        *(0x002D, 0x0039, 0x0043, 0x0054, 0x006C, 0x006D, 0x006F, 0x0007, 0x0097, 0x00A2, 0x00B8, 0x00BC, 0x00DE),
    )
)


def _roles() -> dict[int, frozenset[int]]:
    roles: dict[int, set[int]] = {}
    for letters, codes in _ROLE_ROWS:
        for code_text in codes.split():
            roles.setdefault(int(code_text, 16), set()).update(_ROLE_LETTERS[letter] for letter in letters)
    return {code: frozenset(found) for code, found in roles.items()}


def _table() -> dict[int, MessageCodeInfo]:
    table: dict[int, MessageCodeInfo] = {}
    roles = _roles()
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
                roles=roles.get(code, frozenset()),
                dated_response=code in _DATED_RESPONSES,
            )
    return table


#: Every message code the primer names.
MESSAGE_CODES: dict[int, MessageCodeInfo] = _table()


def lookup(code: int) -> MessageCodeInfo | None:
    """The registry entry of `code`, or None when the code is not one we know."""
    return MESSAGE_CODES.get(code)
