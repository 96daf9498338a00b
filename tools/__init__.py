"""The `commshub` command line, written against firmware/ and hal/."""
