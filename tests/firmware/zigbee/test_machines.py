"""The sans-I/O machines of firmware.zigbee driven with an explicit `now` (style.md "Machines")."""

from __future__ import annotations

import random

import pytest

from firmware.zigbee.counters import OutgoingCounter, ReplayFilter
from firmware.zigbee.fragments import DuplicateFilter, FragmentError, Reassembler, split
from firmware.zigbee.indirect import IndirectQueue
from firmware.zigbee.soft_transmit import DoCca, DoTransmit, Finished, SoftTransmit
from hal.radio import TxStatus
from protocols.ieee802154.phy import OQPSK as TIMING_2_4


class _FixedRng(random.Random):
    """randrange always answers `value` (clamped), so back-off deadlines are exact."""

    def __init__(self, value: int) -> None:
        super().__init__(0)
        self._value = value

    def randrange(self, stop: int, *args: object, **kwargs: object) -> int:  # type: ignore[override]
        return min(self._value, stop - 1)


def test_csma_backoff_deadline_is_whole_unit_periods() -> None:
    m = SoftTransmit(dsn=7, ack_request=True, timing=TIMING_2_4, rng=_FixedRng(5))
    assert m.start(1.0) == []
    assert m.deadline() == pytest.approx(1.0 + 5 * 320e-6)
    assert m.timer_fired(1.0) == []  # early timer is stale
    assert m.timer_fired(m.deadline()) == [DoCca()]


def test_csma_gives_up_after_five_busy_ccas_radio_md_2_5() -> None:
    m = SoftTransmit(dsn=1, ack_request=False, timing=TIMING_2_4, rng=_FixedRng(0))
    actions = m.start(0.0)
    ccas = 0
    while actions == [DoCca()]:
        ccas += 1
        actions = m.cca_done(False, 0.0)
    assert ccas == 5  # macMaxCSMABackoffs 4 -> 5 CCAs
    assert actions == [Finished(TxStatus.CHANNEL_BUSY, attempts=1)]


def test_csma_backoff_exponent_grows_to_max_be() -> None:
    seen: list[int] = []

    class Spy(random.Random):
        def randrange(self, stop: int, *a: object, **k: object) -> int:  # type: ignore[override]
            seen.append(stop)
            return 0

    m = SoftTransmit(dsn=1, ack_request=False, timing=TIMING_2_4, rng=Spy())
    actions = m.start(0.0)
    while actions == [DoCca()]:
        actions = m.cca_done(False, 0.0)
    assert seen == [8, 16, 32, 32, 32]  # 2^BE for BE = 3, 4, 5, 5, 5


def test_ack_wait_retries_then_no_ack() -> None:
    m = SoftTransmit(dsn=9, ack_request=True, timing=TIMING_2_4, rng=_FixedRng(0))
    now = 0.0
    transmissions = 0
    actions = m.start(now)
    while True:
        if actions == [DoCca()]:
            actions = m.cca_done(True, now)
        elif actions == [DoTransmit()]:
            transmissions += 1
            assert m.transmitted(TxStatus.SENT, now) == []
            assert m.deadline() == pytest.approx(now + 864e-6)
            assert m.ack_received(8, False, now) == []  # someone else's DSN
            now = m.deadline()
            actions = m.timer_fired(now)
        else:
            break
    assert transmissions == 4  # macMaxFrameRetries 3 -> 4 transmissions
    assert actions == [Finished(TxStatus.NO_ACK, attempts=4)]


def test_ack_received_finishes_with_pending_bit() -> None:
    m = SoftTransmit(dsn=3, ack_request=True, timing=TIMING_2_4, rng=_FixedRng(0))
    assert m.start(0.0) == [DoCca()]
    assert m.cca_done(True, 0.0) == [DoTransmit()]
    m.transmitted(TxStatus.SENT, 0.001)
    assert m.ack_received(3, True, 0.0012) == [Finished(TxStatus.SENT, 1, frame_pending=True)]
    assert m.done and m.deadline() is None
    assert m.ack_received(3, True, 0.0013) == []  # late duplicate ACK ignored


def test_no_csma_transmits_directly() -> None:
    m = SoftTransmit(dsn=3, ack_request=False, timing=TIMING_2_4, rng=_FixedRng(0), csma=False)
    assert m.start(0.0) == [DoTransmit()]
    assert m.transmitted(TxStatus.DUTY_CYCLE, 0.0) == [Finished(TxStatus.DUTY_CYCLE, 1)]


def test_indirect_queue_holds_pops_and_expires() -> None:
    q: IndirectQueue[str] = IndirectQueue(persistence=10.0)
    assert q.push(0x1234, "a", 0.0) and q.push(0x1234, "b", 1.0) and q.push(0x5678, "c", 2.0)
    assert q.destinations() == {0x1234, 0x5678}
    assert q.deadline() == 10.0
    assert q.pop(0x1234, 5.0) == "a"
    assert q.pop(0x9999, 5.0) is None
    expired = q.expire(11.5)
    assert [p.item for p in expired] == ["b"]
    assert q.destinations() == {0x5678}
    assert q.pop(0x5678, 12.5) is None  # past its expiry: not sent
    assert [p.item for p in q.expire(12.5)] == ["c"] and len(q) == 0


def test_indirect_queue_capacity_is_reported() -> None:
    q: IndirectQueue[int] = IndirectQueue(persistence=1.0, capacity=2)
    assert q.push(1, 1, 0.0) and q.push(1, 2, 0.0)
    assert not q.push(2, 3, 0.0)


def test_outgoing_counter_never_reused_across_restart() -> None:
    store: dict[str, int] = {}
    first = OutgoingCounter(store, "nwk", block=16)
    used = [first.next() for _ in range(20)]
    assert used == list(range(20))
    assert store["nwk"] == 32  # second block reserved before use
    again = OutgoingCounter(store, "nwk", block=16)  # power cut, restart
    assert again.next() == 32 > max(used)


def test_replay_filter_accepts_only_greater() -> None:
    f = ReplayFilter()
    assert f.check(1, 5)
    f.accept(1, 5)
    assert not f.check(1, 5) and not f.check(1, 4) and f.check(1, 6) and f.check(2, 0)


def test_split_and_reassemble_1600_octets_out_of_order() -> None:
    payload = bytes(range(256)) * 6 + bytes(64)  # 1,600 octets
    blocks = split(payload, 82)
    assert len(blocks) == 20 and b"".join(blocks) == payload
    r = Reassembler(timeout=5.0)
    for n in reversed(range(1, len(blocks))):
        assert r.block_received(("dev", 7), n, blocks[n], 0.0) is None
    assert r.first_received(("dev", 7), len(blocks), blocks[0], 0.1) == payload
    assert r.deadline() is None


def test_reassembly_times_out_and_rejects_bad_blocks() -> None:
    r = Reassembler(timeout=5.0)
    assert r.first_received("k", 3, b"x", 0.0) is None
    with pytest.raises(FragmentError):
        r.block_received("k", 3, b"y", 1.0)  # beyond the 3 announced
    assert r.expire(4.0) == [] and r.expire(6.0) == ["k"]
    with pytest.raises(FragmentError):
        split(b"x" * 9000, 80)


def test_duplicate_filter_remembers_the_latest_keys_per_source_not_a_time() -> None:
    d = DuplicateFilter(depth=4)
    assert not d.seen(0x1234, (5, 0))
    assert d.seen(0x1234, (5, 0))  # a retry: caught
    assert not d.seen(0x9999, (5, 0))  # another source's counter 5 is its own
    for counter in (6, 7, 8, 9):  # four newer messages push (5, 0) out...
        assert not d.seen(0x1234, (counter, 0))
    assert not d.seen(0x1234, (5, 0))  # ...so a wrapped counter 5 is new again
    assert d.seen(0x1234, (9, 0)) and d.seen(0x9999, (5, 0))
    with pytest.raises(ValueError):
        DuplicateFilter(depth=256)


def test_duty_cycle_budget_sends_defers_refuses_exactly() -> None:
    from firmware.zigbee.dual_band import DutyCycleBudget, DutyCycleState

    b = DutyCycleBudget(limit=10 / 3600, limited=5 / 3600, critical=8 / 3600, max_defer=5.0)  # 10 s an hour
    assert b.decide(4.0, 0.0) == 0.0
    b.charge(4.0, 0.0)
    assert b.state(1.0) is DutyCycleState.NORMAL
    b.charge(5.0, 100.0)
    assert b.state(101.0) is DutyCycleState.CRITICAL and b.used(101.0) == 9.0
    assert b.decide(2.0, 3598.0) == 3600.0  # room once the first 4 s age out, 2 s away: defer
    assert b.decide(2.0, 3000.0) is None  # 600 s away: refuse
    assert (b.deferred, b.refused) == (1, 1)
    assert b.used(3600.0) == 5.0 and b.state(3600.0) is DutyCycleState.LIMITED
    b.charge(5.0, 3600.0)
    assert b.state(3601.0) is DutyCycleState.REGULATED
    assert b.used(3700.0 + 3600.0) == 0.0


def test_join_progress_follows_the_table_and_error_is_terminal() -> None:
    from firmware.zigbee.join import TRANSITIONS, JoinInput, JoinProgress, JoinState, JoinStateError

    p = JoinProgress()
    for event in (
        JoinInput.SCAN_STARTED,
        JoinInput.PARENT_CHOSEN,
        JoinInput.ASSOCIATION_REFUSED,
        JoinInput.PARENT_CHOSEN,
        JoinInput.ASSOCIATED,
        JoinInput.KEY_RECEIVED,
        JoinInput.ANNOUNCED,
    ):
        p.happened(event)
    assert p.state is JoinState.JOINED
    with pytest.raises(JoinStateError):
        p.happened(JoinInput.KEY_RECEIVED)  # stale input: refused loudly, state kept
    assert p.state is JoinState.JOINED
    assert not [k for k in TRANSITIONS if k[0] in (JoinState.ERROR, JoinState.JOINED)]  # both terminal
    reachable = {JoinState.IDLE} | set(TRANSITIONS.values())
    assert reachable == set(JoinState)  # no dead states in the table


def test_docs_show_the_join_diagram_generated_from_the_table() -> None:
    from pathlib import Path

    from firmware.zigbee.join import diagram

    docs = Path(__file__).resolve().parents[3] / "docs" / "zigbee-stack.md"
    assert diagram() in docs.read_text()


def test_outgoing_counter_advances_to_a_restored_value() -> None:
    store: dict[str, int] = {}
    counter = OutgoingCounter(store, "nwk", block=16)
    counter.advance_to(10_000)  # zigpy restored a backup taken at 10,000
    assert counter.next() == 10_000 and store["nwk"] == 10_016
    counter.advance_to(5)  # never backwards
    assert counter.next() == 10_001
