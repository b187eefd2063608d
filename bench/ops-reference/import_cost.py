"""What a hook of the ops blog pays before its charm code runs: interpreter start and imports.

Usage: python3 import_cost.py <charm dir> [runs]    (bench/run.sh ecosystem runs it)

In a copy of the built charm dir, with `dispatch`'s PYTHONPATH (lib:venv, plus src), runs
`python3 -c <imports>` for a growing list of imports, `runs` times each (default 10),
the steps interleaved so that noise on the machine hits all of them, and prints a
markdown table: median wall and CPU time (user + system) of each step and what it adds
to the previous one.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

STEPS = [
    ('interpreter start (`python3 -c pass`)', []),
    ('+ `import ops`', ['ops']),
    ('+ `data_interfaces` v0', ['charms.data_platform_libs.v0.data_interfaces']),
    ('+ `cryptography.x509`', ['cryptography.x509']),
    ('+ `pydantic`', ['pydantic']),
    ('+ `charmlibs.interfaces.tls_certificates`', ['charmlibs.interfaces.tls_certificates']),
    ('+ the charm module (`src/charm.py`, not run)', ['charm']),
]


def main(built: str, runs: int = 10) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        charm_dir = os.path.join(tmp, 'charm')
        shutil.copytree(built, charm_dir, symlinks=True)
        measure(charm_dir, runs)


def measure(charm_dir: str, runs: int) -> None:
    env = dict(os.environ, PYTHONPATH='lib:venv:src')
    modules: list[str] = []
    codes = []
    for _, more in STEPS:
        modules += more
        codes.append('; '.join(f'import {m}' for m in modules) or 'pass')
    # Compile every module once, as a unit has them after its first hook.
    subprocess.run([sys.executable, '-c', codes[-1]], cwd=charm_dir, env=env, check=True)
    wall: list[list[float]] = [[] for _ in STEPS]
    cpu: list[list[float]] = [[] for _ in STEPS]
    for _ in range(runs):
        for i, code in enumerate(codes):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, '-c', code], cwd=charm_dir, env=env, check=True)
            wall[i].append((time.perf_counter() - start) * 1e3)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[i].append(
                (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1e3
            )
    print(f'| import step ({sys.executable}, median of {runs}) | wall ms | adds | CPU ms | adds |')
    print('|---|---:|---:|---:|---:|')
    prev_w = prev_c = 0.0
    for (label, _), w, c in zip(STEPS, wall, cpu):
        mw, mc = statistics.median(w), statistics.median(c)
        print(f'| {label} | {mw:.1f} | {mw - prev_w:+.1f} | {mc:.1f} | {mc - prev_c:+.1f} |')
        prev_w, prev_c = mw, mc


if __name__ == '__main__':
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
