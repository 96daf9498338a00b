"""`tools.sim`: simulations above firmware - a virtual home's day (`scenario`) and a site survey (`survey`).

Why here (architecture.md): a simulation composes a medium, hubs and devices;
it is not the hub (that is `firmware.hub`) and not hardware abstraction.
`commshub home`, `commshub survey` and `bench/zigbee_han.py` run these.
"""
