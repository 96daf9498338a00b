"""The NCP side of ASH as UG101 defines it, driven with explicit `now` (sans-I/O).

Expected bytes come from outside our codec: radio.md 6.1's worked frames and
bellows' own ASH frame classes (an independent implementation of UG101).
"""

from __future__ import annotations

from bellows import ash as bellows_ash

from firmware.dongles.ash_link import (
    T_REMOTE_NOTRDY,
    T_RX_ACK_INIT,
    T_RX_ACK_MAX,
    AshNcpLink,
    Deliver,
    LinkState,
    Reset,
    Write,
)
from protocols.serial import ash
from protocols.serial.ash import AshAck, AshData, AshNak, AshRst, ResetCode
from protocols.serial.errors import Dropped, FcsError

#: radio.md 6.1: DATA frame 0, ackNum 0, carrying the legacy `version(4)` command.
VERSION_DATA = bytes.fromhex("0042 21A8 50ED 2C7E")
#: radio.md 6.1: ACK with ackNum 1.
ACK_1 = bytes.fromhex("8160597E")


def _bellows(frame: bellows_ash.AshFrame) -> bytes:
    return bellows_ash.AshProtocol._stuff_bytes(frame.to_bytes()) + b"\x7e"


def _writes(actions: list[object]) -> list[bytes]:
    return [a.data for a in actions if isinstance(a, Write)]


def _connected() -> AshNcpLink:
    link = AshNcpLink(window=2)
    link.frame_received(AshRst(), 0.0)
    return link


def _host_data(number: int, ack: int, payload: bytes = b"\x01\x00\x05", *, retransmission: bool = False) -> AshData:
    return AshData(number, ack, payload, retransmission)


def test_rst_answers_rstack_and_resets() -> None:
    link = AshNcpLink()
    actions = link.frame_received(ash.AshDeframer().feed(bytes.fromhex("1AC038BC7E"))[0], 0.0)  # radio.md 6.1
    expected = _bellows(bellows_ash.RStackFrame(version=2, reset_code=ResetCode.SOFTWARE))
    assert _writes(actions) == [expected]
    assert any(isinstance(a, Reset) for a in actions)
    assert link.state is LinkState.CONNECTED


def test_data_before_rst_is_ignored() -> None:
    link = AshNcpLink()
    assert link.frame_received(_host_data(0, 0), 0.0) == []
    assert link.counters.dropped == 1


def test_in_sequence_data_is_acked_and_delivered() -> None:
    link = AshNcpLink()
    link.frame_received(AshRst(), 0.0)
    (frame,) = ash.AshDeframer().feed(VERSION_DATA)
    actions = link.frame_received(frame, 0.1)
    assert _writes(actions) == [ACK_1] == [_bellows(bellows_ash.AckFrame(res=0, ncp_ready=0, ack_num=1))]
    assert [a for a in actions if isinstance(a, Deliver)] == [Deliver(bytes.fromhex("00000004"))]


def test_retransmitted_duplicate_is_acked_not_delivered() -> None:
    link = _connected()
    link.frame_received(_host_data(0, 0), 0.0)
    actions = link.frame_received(_host_data(0, 0, retransmission=True), 0.1)
    assert _writes(actions) == [ash.build(AshAck(1))]
    assert not any(isinstance(a, Deliver) for a in actions)
    assert link.counters.duplicates == 1


def test_out_of_sequence_data_gets_one_nak_until_back_in_sequence() -> None:
    link = _connected()
    first = link.frame_received(_host_data(2, 0), 0.0)
    second = link.frame_received(_host_data(3, 0), 0.0)
    assert _writes(first) == [_bellows(bellows_ash.NakFrame(res=0, ncp_ready=0, ack_num=0))]
    assert second == []  # reject condition: no second NAK
    recovered = link.frame_received(_host_data(0, 0), 0.0)
    assert _writes(recovered) == [ash.build(AshAck(1))]
    assert link.frame_received(_host_data(3, 0), 0.0) != []  # rejection armed again


def test_damaged_data_frame_is_naked() -> None:
    link = _connected()
    dropped = Dropped(FcsError("ash", 3, "crc", "bad"), b"\x00\x42\x21")
    assert _writes(link.frame_received(dropped, 0.0)) == [ash.build(AshNak(0))]


def test_window_holds_frames_until_acknowledged() -> None:
    link = _connected()
    sent = [_writes(link.send(bytes([seq, 0x80, 0x05]), 0.0)) for seq in range(3)]
    assert [len(s) for s in sent] == [1, 1, 0]  # window 2: the third waits
    released = _writes(link.frame_received(AshAck(1), 0.2))
    assert [ash.parse(w) for w in released] == [AshData(2, 0, bytes([2, 0x80, 0x05]))]


def test_nak_resends_unacknowledged_frames_with_retransmit_flag() -> None:
    link = _connected()
    link.send(b"\x00\x80\x05", 0.0)
    link.send(b"\x01\x80\x05", 0.0)
    resent = [ash.parse(w) for w in _writes(link.frame_received(AshNak(0), 0.1))]
    assert resent == [AshData(0, 0, b"\x00\x80\x05", True), AshData(1, 0, b"\x01\x80\x05", True)]
    assert link.counters.naks_received == 1


def test_ack_timeouts_double_then_error_and_failed() -> None:
    link = _connected()
    link.send(b"\x00\x80\x05", 0.0)
    assert link.deadline() == T_RX_ACK_INIT
    now = 0.0
    timeouts = [T_RX_ACK_INIT]
    for _ in range(3):
        now = link.deadline() or 0.0
        (resent,) = _writes(link.timer_fired(now))
        assert ash.parse(resent) == AshData(0, 0, b"\x00\x80\x05", True)
        timeouts.append((link.deadline() or 0.0) - now)
    assert [round(t, 9) for t in timeouts] == [1.6, 3.2, 3.2, 3.2] and link.t_rx_ack == T_RX_ACK_MAX
    final = _writes(link.timer_fired(link.deadline() or 0.0))
    expected = bellows_ash.ErrorFrame(version=2, reset_code=ResetCode.EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT)
    assert final == [_bellows(expected)]
    assert link.state is LinkState.FAILED
    assert link.send(b"\x01\x80\x05", now) == [] and link.deadline() is None


def test_ack_adapts_the_timeout() -> None:
    link = _connected()
    link.send(b"\x00\x80\x05", 0.0)
    link.frame_received(AshAck(1), 0.1)
    assert abs(link.t_rx_ack - (7 / 8 * 1.6 + 0.05)) < 1e-9
    assert link.deadline() is None


def test_not_ready_host_holds_callbacks_but_not_responses() -> None:
    link = _connected()
    link.frame_received(AshAck(0, not_ready=True), 0.0)
    assert _writes(link.send(b"\x00\x90\x19\x90", 0.1, callback=True)) == []
    (response,) = _writes(link.send(b"\x01\x80\x05", 0.2))  # a response overtakes the held callback
    assert ash.parse(response) == AshData(0, 0, b"\x01\x80\x05")
    link.frame_received(AshAck(1, not_ready=True), 0.3)  # still not ready: held for another second
    assert link.deadline() == 0.3 + T_REMOTE_NOTRDY
    released = [ash.parse(w) for w in _writes(link.timer_fired(0.3 + T_REMOTE_NOTRDY))]
    assert released == [AshData(1, 0, b"\x00\x90\x19\x90")]
