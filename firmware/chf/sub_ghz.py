"""Sub-GHz values the DBCH use cases carry: 32-bit page/channel masks and the CHF sub-GHz configuration.

Why one module: DBCH01 (current channel), DBCH02 (channel log), DBCH03/04 (configuration),
DBCH07/09 (alerts) and the energy scan all speak the same two values.

- The ZigBee 32-bit page/channel mask (radio.md 1.2): bits 27-31 the page (28 -> `E0000000`,
  29 -> `E8000000`, 30 -> `F0000000`, 31 -> `F8000000`), bits 0-26 a channel bitmap whose bit
  i is the page's i-th channel: page 28 channels 0-26, page 29 channels 27-34 then 62 (bit 8),
  page 30 channels 35-61, page 31 channels 0-26 of the 915 MHz grid. `hal.radio.Channel`
  numbers channels the same way (logical channel within the page).
- The configuration DBCH03 reads and DBCH04 writes (gbcs.md 5.7): a structure of 15 - four
  channel masks (the channels the CHF may use on pages 28-31), then eleven numbers whose
  first two are the Normal-Limited and Limited-Critical duty-cycle thresholds in
  hundredths of a percent of the hour (radio.md 3.3: 125/200 read, 130/220 written). The
  other nine are kept, read back and reported, but not interpreted: no source names them [?].
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.radio import Channel
from protocols.dlms import BitString, Data, DataType, Integer, Structure, bits, structure

SUB_GHZ_PAGES = (28, 29, 30, 31)
_PAGE_SHIFT = 27
_BITMAP = (1 << _PAGE_SHIFT) - 1
#: Logical channel numbers of each page, in bitmap order (radio.md 1.2).
_PAGE_CHANNELS: dict[int, tuple[int, ...]] = {
    28: tuple(range(27)),
    29: (*range(27, 35), 62),
    30: tuple(range(35, 62)),
    31: tuple(range(27)),
}
#: A-XDR types of the eleven numbers after the four masks (as GBCS sends them, gbcs.md 5.7).
_NUMBER_TYPES = (
    DataType.LONG_UNSIGNED,
    DataType.LONG_UNSIGNED,
    DataType.UNSIGNED,
    DataType.LONG_UNSIGNED,
    DataType.UNSIGNED,
    DataType.UNSIGNED,
    DataType.LONG_UNSIGNED,
    DataType.UNSIGNED,
    DataType.LONG_UNSIGNED,
    DataType.LONG_UNSIGNED,
    DataType.LONG_UNSIGNED,
)


def channel_mask(channel: Channel) -> int:
    """The 32-bit page/channel mask naming one channel."""
    try:
        bit = _PAGE_CHANNELS[channel.page].index(channel.number)
    except (KeyError, ValueError):
        raise ValueError(f"channel {channel} is not a GB868 sub-GHz channel") from None
    return (channel.page << _PAGE_SHIFT) | (1 << bit)


def mask_channels(mask: int) -> tuple[Channel, ...]:
    """The channels a 32-bit page/channel mask selects (none for a page that is not sub-GHz)."""
    page = mask >> _PAGE_SHIFT
    numbers = _PAGE_CHANNELS.get(page, ())
    return tuple(Channel(page, number) for bit, number in enumerate(numbers) if mask & _BITMAP & (1 << bit))


def all_channels_mask(page: int) -> int:
    """The mask allowing every channel of `page`."""
    return (page << _PAGE_SHIFT) | ((1 << len(_PAGE_CHANNELS[page])) - 1)


def mask_data(mask: int) -> BitString:
    """A mask as DLMS sends it: bit-string(32), first bit = most significant."""
    return bits(32, mask)


def mask_value(data: Data) -> int | None:
    """The mask in a bit-string(32), or None when `data` is not one."""
    if not isinstance(data, BitString) or data.bits != 32:
        return None
    return int.from_bytes(data.data, "big")


@dataclass(frozen=True, slots=True)
class SubGhzConfiguration:
    """The CHF sub-GHz configuration (DBCH03 / DBCH04 / DBCH09)."""

    channel_masks: tuple[int, int, int, int]  #: allowed channels on pages 28, 29, 30, 31
    normal_limited_threshold: int  #: hundredths of a percent of the hour
    limited_critical_threshold: int  #: hundredths of a percent of the hour
    other: tuple[int, ...]  #: the nine further numbers, kept as written [?]

    def __post_init__(self) -> None:
        if len(self.other) != len(_NUMBER_TYPES) - 2:
            raise ValueError(f"the configuration has {len(_NUMBER_TYPES) - 2} further numbers, not {len(self.other)}")
        if not 0 < self.normal_limited_threshold <= self.limited_critical_threshold:
            raise ValueError("thresholds must satisfy 0 < Normal-Limited <= Limited-Critical")

    @property
    def limited(self) -> float:
        """The Normal-Limited threshold as a fraction of the hour."""
        return self.normal_limited_threshold / 10_000

    @property
    def critical(self) -> float:
        """The Limited-Critical threshold as a fraction of the hour."""
        return self.limited_critical_threshold / 10_000

    def allowed_channels(self) -> tuple[Channel, ...]:
        return tuple(channel for mask in self.channel_masks for channel in mask_channels(mask))

    def to_data(self) -> Structure:
        numbers = (self.normal_limited_threshold, self.limited_critical_threshold, *self.other)
        return structure(
            *(mask_data(mask) for mask in self.channel_masks),
            *(Integer(kind, value) for kind, value in zip(_NUMBER_TYPES, numbers, strict=True)),
        )

    @classmethod
    def from_data(cls, data: Data) -> SubGhzConfiguration | None:
        """The configuration in a DBCH04 SET value, or None when it has the wrong shape or values."""
        if not isinstance(data, Structure) or len(data.items) != 4 + len(_NUMBER_TYPES):
            return None
        masks = [mask_value(item) for item in data.items[:4]]
        numbers = []
        for item, kind in zip(data.items[4:], _NUMBER_TYPES, strict=True):
            if not isinstance(item, Integer) or item.type is not kind:
                return None
            numbers.append(item.value)
        if any(mask is None or mask >> _PAGE_SHIFT != page for mask, page in zip(masks, SUB_GHZ_PAGES, strict=True)):
            return None
        try:
            return cls(tuple(masks), numbers[0], numbers[1], tuple(numbers[2:]))  # type: ignore[arg-type]  # checked
        except ValueError:
            return None

    def to_nvm(self) -> list[int]:
        return [*self.channel_masks, self.normal_limited_threshold, self.limited_critical_threshold, *self.other]

    @classmethod
    def from_nvm(cls, value: list[int]) -> SubGhzConfiguration:
        return cls((value[0], value[1], value[2], value[3]), value[4], value[5], tuple(value[6:]))


#: A fresh hub's configuration: every GB868 channel of pages 28-30 allowed, none of the 915 MHz page 31;
#: ZBOSS's default thresholds (radio.md 3.2: 54 s/h = 1.50 %, 75 s/h = 2.08 %); the unnamed numbers zero.
DEFAULT_CONFIGURATION = SubGhzConfiguration(
    (all_channels_mask(28), all_channels_mask(29), all_channels_mask(30), 31 << _PAGE_SHIFT),
    150,
    208,
    (0,) * 9,
)
