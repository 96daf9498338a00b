"""The hub's Smart Energy endpoints on the HAN: the ESI (Time, Basic, mirror requests) and the gas mirror.

Why here and sans-I/O: besides tunnels (`firmware.han.Tunnels`), what a GB hub serves on the
HAN is a handful of ZCL services (gbcs.md 6.3, radio.md 5.5), each a question and an answer:

- ZDO Match_Desc_req for the Smart Energy profile: the ESI endpoint (it holds the Tunneling
  server, Time, Basic and Metering for mirroring), so a device finds where to ask, and the
  mirror's endpoint once there is one (an IHD looking for Metering finds the gas data there);
- Time (0x000A) reads, from `Chf.time_attributes` - the CHF is the HAN's time master;
- Basic (0x0000) reads: the hub's identity and Physical Environment = 0x01 (mirror capacity,
  gbcs.md 6.3);
- the gas mirror (Metering 0x0702): RequestMirror gets the mirror's endpoint (one mirror: a
  second meter asking is refused with 0xFFFF, SE's "no mirror"), ConfigureMirror records the
  reporting interval and notification scheme, and each Report Attributes from the meter to
  the mirror endpoint becomes `MirrorUpdate` (the values, for the GPF); a report of the
  Metering cluster is answered with MirrorReportAttributeResponse carrying the mirror's
  notification flags when the meter asked for mirror notification reporting (scheme B:
  FunctionalNotificationFlags then NotificationFlags 2-5). Bit 21 Tunnel Message Pending is
  set and cleared on the CHF's order (`set_tunnel_pending`), so the GSME learns at each
  wake-up whether commands wait (gbcs.md 6.3).
- Read Attributes on the mirror endpoint (an IHD reading gas data) answered from the mirror.

Each input is one received frame with its sender; the output is the frames to send back
(`Answer`) and `MirrorUpdate`s. The mirror's registration is kept in NVM, so a restarted hub
still knows which meter owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firmware.han import frames
from firmware.han.frames import BASIC, METERING, REPORT_ATTRIBUTES, TIME
from protocols.gbz.errors import GbzDecodeError
from protocols.zigbee import PROFILE_SMART_ENERGY, ZigbeeDecodeError, build_zdo, parse_zdo
from protocols.zigbee import zdo as zdp

if TYPE_CHECKING:
    from hal.nvm import Nvm

#: The hub's Smart Energy endpoints: the ESI, and the gas mirror it hands out (ours: zigpy owns 1-3).
ESI_ENDPOINT, MIRROR_ENDPOINT = 0x0A, 0x0B
#: Clusters served on the ESI endpoint (Tunneling is the hub's server for the GSME's tunnel).
ESI_CLUSTERS = (BASIC, TIME, METERING, frames.TUNNELING)
#: The mirrored clusters (what a GSME reports, meters.md 4.5).
MIRROR_CLUSTERS = (BASIC, METERING, 0x0700, 0x0705)
#: SE's "no mirror" endpoint in RequestMirrorResponse.
NO_MIRROR = 0xFFFF
#: Notification scheme B (SE 1.4 D.3.2.5: FunctionalNotificationFlags and NotificationFlags 2-5).
SCHEME_B = 0x02
TUNNEL_MESSAGE_PENDING = 1 << 21
#: Basic: ZCL version, manufacturer name, model identifier, power source (mains), physical environment.
PHYSICAL_ENVIRONMENT_MIRROR_CAPACITY = 0x01
_MIRROR = "hub.esi.mirror"
_MATCH_DESC_RSP = 0x8006


@dataclass(frozen=True, slots=True)
class Answer:
    """A frame to send back to the sender: on `cluster` from our `endpoint` to its `dst_endpoint` (profile 0 = ZDO)."""

    cluster: int
    endpoint: int
    dst_endpoint: int
    payload: bytes
    profile: int = PROFILE_SMART_ENERGY


@dataclass(frozen=True, slots=True)
class MirrorUpdate:
    """Values a meter reported to its mirror: (cluster, attribute) -> value."""

    ieee: int
    values: dict[tuple[int, int], Any]


EsiOutput = Answer | MirrorUpdate


class HubEsi:
    """The hub's ESI and gas mirror (see the module docstring)."""

    def __init__(
        self,
        nvm: Nvm,
        *,
        time_attributes: Callable[[], Mapping[int, int]],
        mirror_values: Callable[[], Mapping[tuple[int, int], Any]],
        manufacturer: bytes = b"commshub",
        model: bytes = b"COMMSHUB",
    ) -> None:
        self._nvm = nvm
        self._time = time_attributes
        self._mirror_values = mirror_values
        self._basic = {0x0000: 3, 0x0004: manufacturer, 0x0005: model, 0x0007: 1, 0x0011: 1}
        self._pending: set[int] = set()

    # -- state -------------------------------------------------------------------------------------

    @property
    def mirror_owner(self) -> int | None:
        """The EUI-64 of the meter the mirror belongs to."""
        mirror = self._nvm.get(_MIRROR)
        return None if mirror is None else int(mirror["ieee"])

    def _mirror(self) -> dict[str, Any]:
        return dict(self._nvm.get(_MIRROR) or {})

    def set_tunnel_pending(self, ieee: int, pending: bool) -> None:
        """The CHF's order: commands wait (or no longer wait) for meter `ieee` (bit 21 of its mirror's flags)."""
        if pending:
            self._pending.add(ieee)
        else:
            self._pending.discard(ieee)

    def notification_flags(self, ieee: int) -> list[int]:
        """The five notification flag words of scheme B for meter `ieee`."""
        functional = TUNNEL_MESSAGE_PENDING if ieee in self._pending else 0
        return [functional, 0, 0, 0, 0]

    # -- input ---------------------------------------------------------------------------------------

    def zdo_request(self, cluster: int, payload: bytes) -> list[Answer]:
        """A ZDO request to the hub: Match_Desc_req for the Smart Energy profile is answered here."""
        try:
            frame = parse_zdo(cluster, payload)
        except ZigbeeDecodeError:
            return []
        request = frame.command
        if not isinstance(request, zdp.MatchDescReq) or request.profile != PROFILE_SMART_ENERGY:
            return []
        wanted = set(request.in_clusters) | set(request.out_clusters)
        endpoints: tuple[int, ...] = (ESI_ENDPOINT,) if wanted & set(ESI_CLUSTERS) else ()
        if wanted & set(MIRROR_CLUSTERS) and self.mirror_owner is not None:
            endpoints += (MIRROR_ENDPOINT,)  # an IHD looking for meters finds the gas meter's mirror
        response = zdp.MatchDescRsp(0, 0x0000, endpoints)
        return [Answer(_MATCH_DESC_RSP, 0, 0, build_zdo(zdp.ZdoFrame(frame.tsn, response)), profile=0)]

    def frame_received(
        self, ieee: int, endpoint: int, cluster: int, src_endpoint: int, payload: bytes
    ) -> list[EsiOutput]:
        """One ZCL frame from meter/device `ieee` to our `endpoint`."""
        try:
            frame = frames.read(cluster, payload)
        except GbzDecodeError:
            return []
        if frame.server_to_client and frame.name is None and frame.command_id != REPORT_ATTRIBUTES:
            return []  # a response of a profile-wide command: nothing of ours asked
        if endpoint == MIRROR_ENDPOINT:
            return self._mirror_frame(ieee, cluster, src_endpoint, frame)
        if frame.name is None and frame.command_id == frames.READ_ATTRIBUTES:
            # Time and Basic are served here; the ESI's Metering holds no values of its own (the mirror does)
            values = self._time() if cluster == TIME else self._basic if cluster == BASIC else {}
            return _read_answer(frame, dict(values), cluster, endpoint, src_endpoint)
        if cluster == METERING and frame.name == "request_mirror":
            return [self._request_mirror(ieee, src_endpoint, frame)]
        if cluster == METERING and frame.name == "configure_mirror":
            self._configure(ieee, frame)
        if cluster == METERING and frame.name == "remove_mirror":
            return self._remove_mirror(ieee, src_endpoint, frame)
        return []

    def _request_mirror(self, ieee: int, src_endpoint: int, frame: frames.Frame) -> Answer:
        owner = self.mirror_owner
        granted = owner is None or owner == ieee
        if granted and owner is None:
            self._nvm.put(_MIRROR, {"ieee": ieee, "interval": None, "reporting": False, "scheme": 0})
        endpoint_id = MIRROR_ENDPOINT if granted else NO_MIRROR
        payload = frames.command(METERING, "request_mirror_response", frame.sequence, endpoint_id=endpoint_id)
        return Answer(METERING, ESI_ENDPOINT, src_endpoint, payload)

    def _configure(self, ieee: int, frame: frames.Frame) -> None:
        if self.mirror_owner != ieee:
            return
        fields = frame.fields
        mirror = self._mirror()
        mirror.update(
            interval=int(fields.reporting_interval),
            reporting=bool(fields.mirror_notification_reporting),
            scheme=int(fields.notification_scheme),
        )
        self._nvm.put(_MIRROR, mirror)

    def _remove_mirror(self, ieee: int, src_endpoint: int, frame: frames.Frame) -> list[EsiOutput]:
        if self.mirror_owner != ieee:
            return []
        self._nvm.delete(_MIRROR)
        payload = frames.command(METERING, "mirror_removed", frame.sequence, removed_endpoint_id=MIRROR_ENDPOINT)
        return [Answer(METERING, ESI_ENDPOINT, src_endpoint, payload)]

    def _mirror_frame(self, ieee: int, cluster: int, src_endpoint: int, frame: frames.Frame) -> list[EsiOutput]:
        if frame.name is None and frame.command_id == frames.READ_ATTRIBUTES:
            values = {
                attribute: value for (owner, attribute), value in self._mirror_values().items() if owner == cluster
            }
            return _read_answer(frame, values, cluster, MIRROR_ENDPOINT, src_endpoint)
        if frame.name is not None or frame.command_id != REPORT_ATTRIBUTES or self.mirror_owner != ieee:
            return []
        try:
            reported = frames.parse_report(frame.zcl_frame.payload)
        except GbzDecodeError:
            return []
        out: list[EsiOutput] = [MirrorUpdate(ieee, {(cluster, attribute): v for attribute, v in reported.items()})]
        mirror = self._mirror()
        if cluster == METERING and mirror.get("reporting"):
            payload = frames.command(
                METERING,
                "mirror_report_attribute_response",
                frame.sequence,
                notification_scheme=SCHEME_B,
                notification_flags=self.notification_flags(ieee),
            )
            out.append(Answer(METERING, MIRROR_ENDPOINT, src_endpoint, payload))
        return out


def _read_answer(frame: frames.Frame, values: dict[int, Any], cluster: int, endpoint: int, dst: int) -> list[EsiOutput]:
    """The Read Attributes Response from `values`; nothing for a request whose attribute list does not decode."""
    try:
        payload = frames.read_response(frame.zcl_frame, values, cluster)
    except GbzDecodeError:
        return []
    return [Answer(cluster, endpoint, dst, payload)]
