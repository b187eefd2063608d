"""Build a charm's `parts` with craft-parts, as `charmcraft pack` builds them.

Usage (with the Python of a venv holding charmcraft 4.5.0):

    python parts_build.py --project DIR --work DIR [--copy-from ROOT]

Runs the lifecycle (pull, build, stage, prime) of the `parts:` of DIR/charmcraft.yaml
with craft-parts' LifecycleManager, configured as charmcraft's lifecycle service
configures it (craft_application/services/lifecycle.py): application name `charmcraft`,
charmcraft's source ignore patterns, the project directory as the working directory (a
local `source:` is relative to it) and a work directory outside the project (as in a
managed build, where the project is mounted at /root/project and the work directory is
/root). With --copy-from, ROOT is first copied (without `target/` and `.git/`) to
WORK/source and DIR is taken relative to that copy: a fresh checkout, as charmcraft's
managed instance sees it with `CHARMCRAFT_EXPERIMENTAL_MONOREPO=1`.

Build packages are not installed (the machine running this has them: a C compiler and
cargo); the plugin's build commands run as charmcraft runs them. Prints one JSON line:
the prime directory, the build script craft-parts ran (the rust plugin's commands), and
the build packages the plugin asked for.
"""

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import yaml

import craft_parts
from craft_parts import LifecycleManager, Step
from craft_parts.packages.base import DummyRepository
from charmcraft import parts as charmcraft_parts

# charmcraft's `source_ignore_patterns` (charmcraft/application/main.py) plus the
# `.craft` craft-application adds.
SOURCE_IGNORE = [".craft", "*.charm", "charmcraft.yaml", ".venv", ".tox"]


def main() -> int:
    args = argparse.ArgumentParser()
    args.add_argument("--project", required=True, type=Path)
    args.add_argument("--work", required=True, type=Path)
    args.add_argument("--copy-from", type=Path)
    opts = args.parse_args()

    work = opts.work.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    project = opts.project
    if opts.copy_from:
        source = work / "source"
        shutil.copytree(
            opts.copy_from,
            source,
            symlinks=True,
            ignore=shutil.ignore_patterns("target", ".git"),
        )
        project = source / project
    project = project.resolve()

    with open(project / "charmcraft.yaml") as f:
        charmcraft_yaml = yaml.safe_load(f)

    charmcraft_parts.setup_parts()
    requested = []
    # The build packages (curl, gcc, git, pkg-config, findutils for `rust`) are this
    # machine's business: record them instead of calling apt (python-apt is not in the
    # venv, and this may not be an Ubuntu machine).
    class Recorded(DummyRepository):
        @classmethod
        def install_packages(cls, package_names, **_):
            requested.extend(package_names)
            return []

    craft_parts.packages._get_repository_for_platform = lambda: Recorded

    os.chdir(project)
    lcm = LifecycleManager(
        {"parts": charmcraft_yaml["parts"]},
        application_name="charmcraft",
        cache_dir=work / "cache",
        work_dir=work / "work",
        ignore_local_sources=SOURCE_IGNORE,
        project_name=charmcraft_yaml["name"],
    )
    actions = lcm.plan(Step.PRIME)
    with lcm.action_executor() as executor:
        executor.execute(actions)

    # The build script craft-parts wrote and ran: the rust plugin's commands.
    build_script = lcm.project_info.dirs.parts_dir / "charm" / "run" / "build.sh"
    print(
        json.dumps(
            {
                "prime": str(lcm.project_info.dirs.prime_dir),
                "build_script": build_script.read_text(),
                "build_packages": sorted(set(requested)),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
