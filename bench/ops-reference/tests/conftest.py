"""Load each reference charm under its own module name (they are all `src/charm.py`)."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from types import ModuleType

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_charm(name: str) -> tuple[ModuleType, dict]:
    """Return (module, charmcraft.yaml dict) for bench/ops-reference/<name>."""
    module_name = f'{name}_charm'
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, ROOT / name / 'src' / 'charm.py')
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    meta = yaml.safe_load((ROOT / name / 'charmcraft.yaml').read_text())
    return module, meta
