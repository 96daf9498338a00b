"""Built-in home files (TOML), shipped as package data; load them with `hal.virtual.load_floorplan(name)`."""
