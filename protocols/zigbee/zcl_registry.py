"""zigpy's table of cluster classes, read in one place.

zigpy registers every `Cluster` subclass by cluster ID (our `smart_energy` classes included,
which replace zigpy's placeholders), but offers no public way to look a class up without an
endpoint (`Cluster.from_id` instantiates one). This module is the one reader of that private
`Cluster._registry`, so a zigpy change to it is fixed here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from zigpy.zcl import Cluster

import protocols.zigbee.smart_energy  # noqa: F401  (registers GB's Smart Energy definitions first)


def cluster_classes() -> Mapping[int, type[Cluster]]:
    """Every registered cluster class by cluster ID (a read-only view)."""
    return MappingProxyType(Cluster._registry)


def cluster_class(cluster_id: int) -> type[Cluster] | None:
    """The cluster class registered for `cluster_id`, or None."""
    found: type[Cluster] | None = Cluster._registry.get(cluster_id)
    return found
