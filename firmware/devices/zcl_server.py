"""The server side of ZCL for emulated devices: answer Read Attributes from a table of values.

Why: a meter on the HAN must answer the ZCL requests of the hub (and of
zigpy's interview: Basic model/manufacturer, Metering summation). Frames and
types come from zigpy (`zigpy.zcl.foundation`, and each cluster's `attributes`
through `protocols.zigbee.zcl_registry`, GB's Smart Energy definitions included),
our one ZCL table (architecture.md); this module only looks values up.

Pure: `ZclEndpoint.handle(cluster, payload)` returns the response payload (or
None when no response is due); the device sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import zigpy.types as zt
import zigpy.zcl.foundation as zf

from protocols.zigbee.zcl_registry import cluster_class


@dataclass(slots=True)
class ZclEndpoint:
    """One application endpoint: its profile, device type, and attribute values per server cluster."""

    endpoint: int
    profile: int
    device_type: int
    servers: dict[int, dict[int, Any]] = field(default_factory=dict)
    clients: list[int] = field(default_factory=list)

    def set(self, cluster: int, attribute: int, value: Any) -> None:
        """Change an attribute value (e.g. the meter advancing its reading)."""
        self.servers.setdefault(cluster, {})[attribute] = value

    def get(self, cluster: int, attribute: int) -> Any:
        return self.servers[cluster][attribute]

    def handle(self, cluster: int, payload: bytes) -> bytes | None:
        """The response to one ZCL request to this endpoint, or None (no response due)."""
        try:
            header, rest = zf.ZCLHeader.deserialize(payload)
        except ValueError:
            return None
        if header.direction != zf.Direction.Client_to_Server:
            return None
        if (
            cluster in self.servers
            and header.frame_control.frame_type == zf.FrameType.GLOBAL_COMMAND
            and header.command_id == zf.GeneralCommand.Read_Attributes
        ):
            return self._read_attributes(cluster, header, rest)
        if header.frame_control.disable_default_response:
            return None
        status = zf.Status.UNSUP_CLUSTER_COMMAND if cluster in self.servers else zf.Status.UNSUPPORTED_CLUSTER
        return self._default_response(header, status)

    def _read_attributes(self, cluster: int, header: zf.ZCLHeader, rest: bytes) -> bytes | None:
        try:
            ids, _ = zt.List[zt.uint16_t].deserialize(rest)
        except ValueError:
            return self._default_response(header, zf.Status.MALFORMED_COMMAND)
        values = self.servers[cluster]
        definition = cluster_class(cluster)
        records = []
        for attribute in ids:
            spec = None if definition is None else definition.attributes.get(attribute)
            if attribute not in values or spec is None:
                records.append(zf.ReadAttributeRecord(attribute, zf.Status.UNSUPPORTED_ATTRIBUTE))
                continue
            value = spec.type(values[attribute])
            type_id = zf.DataType.from_python_type(spec.type).type_id
            records.append(zf.ReadAttributeRecord(attribute, zf.Status.SUCCESS, zf.TypeValue(type_id, value)))
        reply = zf.ZCLHeader.general(
            header.tsn, zf.GeneralCommand.Read_Attributes_rsp, direction=zf.Direction.Server_to_Client
        )
        return reply.serialize() + b"".join(r.serialize() for r in records)

    @staticmethod
    def _default_response(header: zf.ZCLHeader, status: zf.Status) -> bytes:
        reply = zf.ZCLHeader.general(
            header.tsn, zf.GeneralCommand.Default_Response, direction=zf.Direction.Server_to_Client
        )
        return reply.serialize() + zt.uint8_t(header.command_id).serialize() + status.serialize()
