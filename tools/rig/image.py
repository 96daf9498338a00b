from typing import Any
import argparse
def add_parser(s: Any) -> argparse.ArgumentParser:
    return s.add_parser("image")
def run(a: argparse.Namespace) -> int:
    return 2
