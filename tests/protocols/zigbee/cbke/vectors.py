"""Published CBKE vectors, every one marked [verified] in ../shared/docs/cbke.md section 8.

Hex as the primer prints it (fields separated by spaces). Sources, as the primer names them:
- MMO / HMAC: ZigBee spec 05-3474-21 Annex C.5/C.6 via andrebdo/c-crumbs tests/aes-mmo.c,
  Koenkk/zigbee-herdsman test/zspec/utils.test.ts, ARyaskov/panweave mmo.rs (cbke.md 8.1);
- suite 1 / suite 2 exchanges: SE Annex C.5 / C.6 via ZBOSS zb_ecc_lib_test.c and
  zb_ecc_lib_test_2.c (patrick112345678/RT581) and panweave key_establishment.rs (cbke.md 8.2, 8.3);
- certificates: ZBOSS cs1_test1.txt, zsmartsystems CerticomCbkeCertificateTest.java, TI Z-Stack
  zcl_cert_data.c, Silicon Labs AppCBKECertificate.c (cbke.md 8.4).
"""

from __future__ import annotations

from dataclasses import dataclass


def unhex(text: str) -> bytes:
    return bytes.fromhex(text)


def sequence(length: int) -> bytes:
    """seq(L) of cbke.md 8.1: octets i & 0xFF for i in 0..L-1."""
    return bytes(i & 0xFF for i in range(length))


MMO_VECTORS = [  # (message, digest): cbke.md 8.1
    (unhex("c0"), "ae3a102a28d43ee0d4a09e22788b206c"),
    (unhex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"), "a7977e88bc0b61e8210827109a228f2d"),
    (sequence(8191), "24ec2fe75bbffcb34789bc0610e7f165"),
    (sequence(8192), "dc6b0687f09f8607131c170b3bd31591"),
    (sequence(8201), "72c9b15e178aa843e4a16c58e33643a3"),
    (sequence(8202), "bc9828d59b2aa323daf20be5f2e66511"),
    (unhex("83fed3407a939723a5c639b26916d505c3b5"), "66b6900981e1ee3ca4206b6b861c02bb"),
]

HMAC_VECTORS = [  # (key, message, mac): cbke.md 8.1
    (bytes(range(0x40, 0x50)), unhex("c0"), "4512807bf94cb3400f0e2c25fb76e999"),
    (bytes(range(0x40, 0x60)), bytes(range(0xC0, 0xD0)), "a3b0079984bf1557f74a0d6387e0a11a"),
]


@dataclass(frozen=True)
class Exchange:
    """One published full exchange: U = initiator, V = responder (cbke.md 8.2 / 8.3)."""

    suite: int
    ca: str
    u_id: int
    u_cert: str
    u_priv: str
    u_pub: str
    v_id: int
    v_cert: str
    v_priv: str
    v_pub: str
    u_eph_priv: str
    u_eph_pub: str
    v_eph_priv: str
    v_eph_pub: str
    z: str
    mac_key: str
    key_data: str
    macu: str
    macv: str


SUITE_1_EXCHANGE = Exchange(  # SE Annex C.5, cbke.md 8.2
    suite=1,
    ca="0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8",
    u_id=0x0000000000000002,
    u_cert="020615e07d30eca2dad58002e667d94bc1b422398307 0000000000000002 5445535453454341 01090006000000000000",
    u_priv="01e9ddb5580cf72ece7f215f0ae594e48df3e7fee8",
    u_pub="03025bba38d0c7b5436b68df728f093e7a1d6c437e6d",
    v_id=0x0000000000000001,
    v_cert="03045fdfc8d85ffb8b3993cb72ddcaa55f00b3e87d6d 0000000000000001 5445535453454341 01090006000000000000",
    v_priv="00b8a900fcadebabbfa383b540fce9ed438395eaa7",
    v_pub="030290a1f5c08dad5f2945e335620c7a98fac46666a1",
    u_eph_priv="0013d36de4b1ea8e22739c381370823f404bff8862",
    u_eph_pub="0300e117c86d0e7cd128b2f34e9076cff24af46d7288",
    v_eph_priv="03d48c7210ddbcc4fb2e5e7a0aa16a0db89540820b",
    v_eph_pub="0306ab52062201d995b8b8591f3f086a3a2e214d845e",
    z="00e0d2c3ccd5c106a89c4f6cc26a5f7ec9df78a7be",
    mac_key="90f967b22c8357c10c1c04788de9e848",
    key_data="86d58aaa998e2faefaf9fef49606543a",
    macu="b82f1f9774740c32f80fcfc3921b6420",
    macv="79d5f2ad1c31d4d1ee7cb719ac683c3c",
)
#: cbke.md 8.2 intermediate values.
SUITE_1_CERT_DIGESTS = ("a94b12fce2f219cb3b7f3e0318c6c8a0", "6bdbbf16b24a2f91bc1ade0a33845661")
SUITE_1_Z_WITHOUT_COFACTOR = "06d6c1f431813b57ab9e3c1f0af4edf510b9c0ba01"

SUITE_2_EXCHANGE = Exchange(  # SE Annex C.6, cbke.md 8.3 (V's ephemeral private key exceeds n)
    suite=2,
    ca="0207a445022d9f39f49bdc38380026a27a9e0a1799313ab28c5c1a1c6b605154db1dff6752",
    u_id=0x0A0B0C0D0E0F1012,
    u_cert="00 84a933b37f018dec 0d 08 1112131415161718 005292a38a ffffffff 0a0b0c0d0e0f1012 88 "
    "03076277e2f7e2252b16a0e92b6e8771bb3f207946cbd4a45d9a9df6edab8c796a48e89dec",
    u_priv="00f2561adb39ef49c1d62ef5186c6e0c158a5a45bfce38660931acc3694592d5acde9006",
    u_pub="03030e56f7ade866e76372764ba20a9ff1fe4cae522f94839e70f2adfc1ca3e97f4ddcaf2e",
    v_id=0x0A0B0C0D0E0F1011,
    v_cert="00 2622a505e8938f27 0d 08 1112131415161718 005292a35b ffffffff 0a0b0c0d0e0f1011 88 "
    "0303b4e9dc543a64333c982308022b54e67e2f15f532551b0a11e2e2c1c1d3097a4324e7ed",
    v_priv="0151cd0dbcb80474bf7ac9feebe39c7a32a63518938fca9754aae132bc9c73be94a7e1be",
    v_pub="0202f4fa2a3040433c6820299d182a1042e41404e337c57f47716b42dfaf970f1580a04c9b",
    u_eph_priv="0013d36de4b1ea8e22739c381370823f404bff8862b521feca9871fb3691846d361304b4",
    u_eph_pub="0305f3394e15680660eecaa36788d9b6f312b971ce2c9617570bf7dfcd21c972017762c332",
    v_eph_priv="03d48c7210ddbcc4fb2e5e7a0aa16a0db89540820b8dc091ab521ea824afe117cade995b",
    v_eph_pub="03009a5131cf5b92a016378c0f7f284ecd47f94010f875d43bf1e9a65474adbfc63696a930",
    z="04f7724a9a77b21d2747ccef68a457e45246c4be9f66fd9425227bcb2cc5180ea9cccb9a",
    mac_key="ed380a00296600fb6b893025de5fd137",
    key_data="aa4689c70be0faf0c9be534abd9f4cdc",
    macu="bf7e1a26d4ef7038b56813e465a131c9",
    macv="c5b432a9995a092f4449f83613930064",
)

EXCHANGES = [SUITE_1_EXCHANGE, SUITE_2_EXCHANGE]

SUITE_1_CA = SUITE_1_EXCHANGE.ca
SUITE_2_CA = SUITE_2_EXCHANGE.ca

#: (suite, CA key, certificate, private key, public key or None): cbke.md 8.4.
CERTIFICATES = [
    (  # ZBOSS cs1_test1.txt, first device
        1,
        SUITE_1_CA,
        "03065e0c93c3985f2174cabb70c9d329b9ef0479f7eb 1000000000000000 5445535453454341 0109108301234567890a",
        "02bbfd4e5bce35f450a6bf7a56b6e05ea2ff7bab67",
        "0205bf5980d95f2e331a6da3813d1e0eed57af418a06",
    ),
    (  # zsmartsystems CerticomCbkeCertificateTest, suite 1
        1,
        SUITE_1_CA,
        "02020882b1d7df05538f37cdd09a4f6b15368998642b 0022080000000001 5445535453454341 0109108301234567890a",
        "0392ba4afc2453a49eebe9bca8de73210f02479a4a",
        "0207d1ca014786b5e552cfd5f04339a2e856f00eaaef",
    ),
    (  # zsmartsystems CerticomCbkeCertificateTest, suite 2 (key usage 0x08)
        2,
        SUITE_2_CA,
        "00 0b3ad5a312ab75d6 0d 08 1112131415161718 005b7ed230 ffffffff 0022080000000001 08 "
        "0205bb3d1d1576197ff9ab6563915019a130437adb0ee7915432dc4a09c97dc595c5856800",
        "00997097b87684f62f555173c47be89935fbf6440ae292492b54c5829a0d541f4d26e254",
        "02012f082ee7db1bd3f89f16eabbf5d6221a5dcd077fc0c9d37b329eee8e2cdaee03439de0",
    ),
    (  # TI Z-Stack zcl_cert_data.c, coordinator (no public key listed)
        1,
        SUITE_1_CA,
        "03078c45dea506d07f1b822122b5a31eb0a0d62955db 00124b0000000001 5445535453454341 01090008000000000000",
        "02284a563f02f2c8bda757f961bb8cb4fb6e90ed42",
        None,
    ),
    (  # Silicon Labs AppCBKECertificate.c (no public key listed)
        1,
        SUITE_1_CA,
        "0300e478c3a2ab900f58b79113dd672e35985fe40064 0080e102001ac164 5445535453454341 0109108301234567890a",
        "0342940c7034a2e68be8746498c8ed89d39b4e288a",
        None,
    ),
]
