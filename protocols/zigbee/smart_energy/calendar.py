"""The GB Smart Energy Calendar 0x0707 cluster, as zigpy gets it from us (see the package docstring)."""

from __future__ import annotations

import zigpy.types as t
from zigpy.zcl.clusters import smartenergy
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
)

from protocols.zigbee.smart_energy.defs import (
    EVENT_FIELDS,
    GLOBAL_ATTRIBUTES,
    PAGED_FIELDS,
    ScheduleEntry,
    SeasonEntry,
    SpecialDayEntry,
    attribute_defs,
    command_defs,
)

# --- Calendar 0x0707 -----------------------------------------------------------------------------

_CALENDAR = {**EVENT_FIELDS, "issuer_calendar_id": t.uint32_t}


class Calendar(smartenergy.Calendar):
    """Calendar: time-of-use seasons, week and day profiles, special days."""

    AttributeDefs = attribute_defs(
        BaseAttributeDefs, GLOBAL_ATTRIBUTES, {f"aux_switch_{n}_label": (n - 1, t.LVBytes) for n in range(1, 9)}
    )
    ServerCommandDefs = command_defs(
        {
            "get_calendar": (
                0x00,
                {
                    "earliest_start_time": t.UTCTime,
                    "min_issuer_event_id": t.uint32_t,
                    "number_of_calendars": t.uint8_t,
                    "calendar_type": t.enum8,
                    "provider_id": t.uint32_t,
                },
            ),
            "get_day_profiles": (
                0x01,
                {
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                    "start_day_id": t.uint8_t,
                    "number_of_days": t.uint8_t,
                },
            ),
            "get_week_profiles": (
                0x02,
                {
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                    "start_week_id": t.uint8_t,
                    "number_of_weeks": t.uint8_t,
                },
            ),
            "get_seasons": (0x03, {"provider_id": t.uint32_t, "issuer_calendar_id": t.uint32_t}),
            "get_special_days": (
                0x04,
                {
                    "start_time": t.UTCTime,
                    "number_of_events": t.uint8_t,
                    "calendar_type": t.enum8,
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                },
            ),
            "get_calendar_cancellation": (0x05, {}),
        }
    )
    ClientCommandDefs = command_defs(
        {
            "publish_calendar": (
                0x00,
                {
                    **_CALENDAR,
                    "start_time": t.UTCTime,
                    "calendar_type": t.enum8,
                    "calendar_time_reference": t.enum8,
                    "calendar_name": t.LVBytes,
                    "number_of_seasons": t.uint8_t,
                    "number_of_week_profiles": t.uint8_t,
                    "number_of_day_profiles": t.uint8_t,
                },
            ),
            "publish_day_profile": (
                0x01,
                {
                    **_CALENDAR,
                    "day_id": t.uint8_t,
                    "total_number_of_schedule_entries": t.uint8_t,
                    **PAGED_FIELDS,
                    "calendar_type": t.enum8,
                    "day_schedule_entries": t.List[ScheduleEntry],
                },
            ),
            "publish_week_profile": (
                0x02,
                {
                    **_CALENDAR,
                    "week_id": t.uint8_t,
                    **{
                        f"day_id_ref_{day}": t.uint8_t
                        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
                    },
                },
            ),
            "publish_seasons": (0x03, {**_CALENDAR, **PAGED_FIELDS, "season_entries": t.List[SeasonEntry]}),
            "publish_special_days": (
                0x04,
                {
                    **_CALENDAR,
                    "start_time": t.UTCTime,
                    "calendar_type": t.enum8,
                    "total_number_of_special_days": t.uint8_t,
                    **PAGED_FIELDS,
                    "special_day_entries": t.List[SpecialDayEntry],
                },
            ),
            "cancel_calendar": (
                0x05,
                {"provider_id": t.uint32_t, "issuer_calendar_id": t.uint32_t, "calendar_type": t.enum8},
            ),
        }
    )
