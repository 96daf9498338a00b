"""A use case as the head-end knows it: name, message code, default target, parameters, payload builder.

Why a value per use case: `commshub send --use-case NAME`, `--list-use-cases`, docs/headend.md
and the tests all walk the same table, so a use case is described once. What GBCS itself says
about a message code - who may send it, whether it is critical (signed) - is not repeated here:
it comes from `protocols.gbcs.registry`, the project's one table of message codes
(gbcs.md 5.6, meters.md 1.1-1.2), and the message code itself is looked up there by use-case
name unless the use case shares another's code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from firmware.headend.parameters import Parameter
from protocols.gbcs import KeyStore, KeyUsage, registry, utrn


@dataclass(frozen=True, slots=True)
class Request:
    """What a payload builder is given: the parsed parameters and the command's envelope facts."""

    values: Mapping[str, Any]
    counter: int  #: the command's originator counter (DLMS invoke ids and protected reads repeat it)
    utc: float  #: the head-end's clock, seconds since 1970
    originator: bytes  #: the grouping-header originator (the ACB for DCC-originated commands)
    recipient: bytes  #: the device the command is for
    requester: bytes  #: the remote party the answer is for: the service user of an ACB command, else the originator
    keystore: KeyStore  #: the head-end's keys (UTRNs are sealed with the supplier's prepayment key)
    device: str | None = None  #: the recipient's device name when it is a known one ("gsme", "gpf", ...)
    originator_role: int | None = None  #: the originator's remote-party role when it is a known party

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def utrn(self, value: int, value_class: int) -> str:
        """A UTRN for this command's meter, from the requester's prepayment key, bound to this command's
        counter (gbcs.md 4.8)."""
        private = self.keystore.private_key(self.requester, KeyUsage.PP_KA)
        public = self.keystore.public_key(self.recipient, KeyUsage.KA)
        if private is None or public is None:
            raise LookupError("a UTRN needs the requester's prepayment KA key and the meter's KA certificate")
        return utrn.make(
            supplier=self.requester,
            device=self.recipient,
            counter=self.counter,
            value=value,
            value_class=value_class,
            prepayment_key=private,
            device_public_key=public,
        )


PayloadBuilder = Callable[[Request], bytes]


@dataclass(frozen=True, slots=True)
class UseCase:
    """One GBCS use case the head-end can build."""

    name: str  #: e.g. "ECS17b"
    title: str
    target: str  #: default recipient: a device name of `identities.DEVICES`
    payload: PayloadBuilder
    parameters: tuple[Parameter, ...] = ()
    message_code: int = field(default=-1)  #: -1: looked up in the registry by `name`
    top_up: bool = False  #: counters come from the top-up sequence (gbcs.md 4.7: low 32 bits zero)
    family: str = registry.DLMS

    def __post_init__(self) -> None:
        if self.message_code < 0:
            object.__setattr__(self, "message_code", code_of(self.name))
        names = [parameter.name for parameter in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a parameter is declared twice: {names}")

    @property
    def info(self) -> registry.MessageCodeInfo:
        info = registry.lookup(self.message_code)
        assert info is not None, f"{self.name}: message code {self.message_code:#06x} is not in the registry"
        return info

    @property
    def critical(self) -> bool:
        """Signed by the originator: every command form of the code is signed (gbcs.md 2.3)."""
        return self.info.critical_command

    @property
    def roles(self) -> frozenset[int]:
        """Remote-party roles that may send it (gbcs.md 2.1 codes)."""
        return self.info.roles

    def parameter(self, name: str) -> Parameter | None:
        return next((parameter for parameter in self.parameters if parameter.name == name), None)


def code_of(name: str) -> int:
    """The command message code the registry gives use case `name` (its alert codes aside); KeyError when it
    names none or several."""
    codes = [
        info.code
        for info in registry.MESSAGE_CODES.values()
        if info.use_case == name and not (info.forms and all(form.startswith("A:") for form in info.forms))
    ]
    if len(codes) != 1:
        raise KeyError(f"the registry has {len(codes)} message codes for use case {name!r}")
    return codes[0]
