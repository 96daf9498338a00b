"""The GSME behind the real GBCS endpoint (`firmware.gbcs.assemble`, RIG key mode): RTDS bytes in, sealed bytes out.

The same folders and rules as `test_rtds_conformance`, one level up: each RTDS COMMAND to the GSME
goes through intake (MAC and signature checked with the RTDS key store), the GSME answers, and the
sealed response is compared with the RTDS RESPONSE the way `shared/tools/rtds_replay.py` compares
(message code, CRA, payload family, per-item outcome of the decoded payload); the alerts the
endpoint sends after virtual time passes the corpus's future dates must include the folder's.
The folders that do not pass are those of the payload-level test, for its reasons - except
PCS02, refused here at intake: its MAC is between the PPMID and the GSME, whose private keys the
RTDS key store does not hold (README, "The RTDS corpus").
"""

from __future__ import annotations

import random
from pathlib import Path

from firmware.devices.gsme import load_profile
from firmware.devices.gsme.handler import GsmePayloadHandler
from firmware.gbcs.assembly import assemble
from firmware.gbcs.contract import CommandContext
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from protocols import gbz
from protocols.gbcs import Cra, KeyStore, Verdict, parse, utrn
from protocols.gbcs.crypto import PAYLOAD_KEY_TYPE
from protocols.gbcs.cs.common import GSME as GSME_TYPE
from tests.firmware.devices.gsme.rtds import GSME, LATER_UTC, NOT_PASSING, REPLAY_UTC, device_faults, folders
from tests.firmware.gbcs.rtds import PARTIES, summary


def _handler(keystore: KeyStore) -> GsmePayloadHandler:
    def cipher_for(context: CommandContext) -> gbz.Cipher | None:
        info = context.other_information
        party = (info.remote_party_id if info is not None else None) or context.originator
        key = keystore.derived_key((GSME, party), GSME, PAYLOAD_KEY_TYPE, context.counter, party)
        return None if key is None else gbz.Cipher(key, GSME)

    def utrn_check(token: str, supplier: bytes, counter: int) -> bool:
        return utrn.verify(token, supplier=supplier, device=GSME, counter=counter, keystore=keystore) is Verdict.VALID

    nvm = NvmStore.memory().partition("device/gsme")
    return GsmePayloadHandler(
        nvm, load_profile("prepayment"), random.Random(7), utrn_check=utrn_check, cipher_for=cipher_for
    )


def test_rtds_gsme_folders_through_the_endpoint(rtds_dir: Path, keystore_dir: Path) -> None:
    keystore = load_keystore(keystore_dir)
    passing, failing = [], {}
    for name, (scenarios, alerts) in folders(rtds_dir, keystore).items():
        if any(s.command.recipient != GSME for s in scenarios):
            continue  # the GPF's own folders belong to the hub
        handler = _handler(keystore)
        store = NvmStore.memory()
        device = assemble(
            GSME, store.partition("gbcs"), keystore, PARTIES, device_type=GSME_TYPE, alert_family="gbz", handler=handler
        )
        problems, seen = [], set()
        for index, scenario in enumerate(scenarios):
            if scenario.response is None:
                continue
            if "_ERROR_" in scenario.name:
                want_key = keystore.derived_key(
                    (GSME, scenario.response.recipient),
                    GSME,
                    PAYLOAD_KEY_TYPE,
                    scenario.command.originator_counter,
                    scenario.response.recipient,
                )
                cipher = None if want_key is None else gbz.Cipher(want_key, GSME)
                for fault in device_faults(
                    gbz.parse(scenario.command.payload), gbz.parse(scenario.response.payload, cipher=cipher)
                ):
                    handler.gsme.add_fault(fault)
            data = bytes.fromhex(next(rtds_dir.glob(f"{name}/{scenario.name}")).read_text().strip())
            out = device.endpoint.receive(data, float(index), REPLAY_UTC + 60 * index)
            handler.gsme.clear_faults()
            seen |= {o.message_code for o in out if o.cra is Cra.ALERT}
            responses = [parse(o.data, keystore) for o in out if o.cra is Cra.RESPONSE]
            if not responses:
                problems.append(f"{scenario.name}: no response {device.endpoint.security_log()[-1:]}")
                continue
            if summary(responses[0]) != summary(scenario.response):
                problems.append(
                    f"{scenario.name}: got {summary(responses[0])[:4]} want {summary(scenario.response)[:4]}"
                )
        seen |= {o.message_code for o in device.endpoint.timer_fired(1e6, LATER_UTC) if o.cra is Cra.ALERT}
        missing = [code for code in alerts if code not in seen]
        if missing:
            problems.append(f"alerts missing: {missing}")
        if problems:
            failing[name] = problems
        else:
            passing.append(name)
    print(f"\nGSME behind the endpoint: {len(passing)} of {len(passing) + len(failing)} RTDS folders answered as RTDS")
    assert set(failing) == set(NOT_PASSING), {name: problems[:2] for name, problems in failing.items()}
    assert len(passing) == 25
