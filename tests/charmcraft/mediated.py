"""Compare a packed charm's generated files with what charmcraft 4.5.0 would write.

Usage (with the Python of a venv holding charmcraft 4.5.0):

    python mediated.py CHARMCRAFT_YAML CHARM...

For each CHARM (a .charm file packed from CHARMCRAFT_YAML), computes with charmcraft's
own code what `charmcraft pack` writes (charmcraft/services/package.py):
`metadata.yaml` (`CharmMetadata.from_charm`), `config.yaml` and `actions.yaml` (the
project's `config` and `actions`), and `manifest.yaml` (`Manifest`, with the base of the
charm's platform, charmcraft's attribute linters run on the unpacked charm and the
charm's own `charmcraft-started-at`), and checks that the charm holds the same data,
with the same top-level keys in the same order. Prints `OK <charm>` or what differs;
exits 1 if anything differs.
"""

import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

import craft_platforms
from charmcraft import linters, parts
from charmcraft.models.charmcraft import Base
from charmcraft.models.lint import CheckType
from charmcraft.models.manifest import Attribute, Manifest
from charmcraft.models.metadata import CharmMetadata
from charmcraft.models.project import CharmcraftProject


def expected_files(project_yaml: Path, platform: str, unpacked: Path, started_at: str):
    project = CharmcraftProject.from_yaml_file(project_yaml)
    marshalled = project.marshal()
    files = {"metadata.yaml": CharmMetadata.from_charm(project).marshal()}
    for key in ("config", "actions"):
        if marshalled.get(key):
            files[f"{key}.yaml"] = marshalled[key]
    with open(project_yaml) as f:
        plan = craft_platforms.charm.get_charm_build_plan(yaml.safe_load(f))
    build = next(b for b in plan if b.platform.replace(":", "-") == platform)
    attributes = [
        Attribute(name=c.name, result=c().get_result(unpacked).result)
        for c in linters.CHECKERS
        if c.check_type == CheckType.ATTRIBUTE
    ]
    manifest = Manifest(
        charmcraft_started_at=started_at,
        analysis={"attributes": attributes},
        bases=[Base.from_str_and_arch(project.base, [str(build.build_for)])],
    )
    files["manifest.yaml"] = manifest.model_dump(
        mode="json", by_alias=True, exclude_unset=False, exclude_none=True
    )
    return files


def main() -> int:
    parts.setup_parts()
    project_yaml = Path(sys.argv[1])
    name = yaml.safe_load(project_yaml.read_text())["name"]
    failed = False
    for charm in map(Path, sys.argv[2:]):
        platform = charm.stem.removeprefix(f"{name}_")
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(charm) as z:
            z.extractall(tmp)
            unpacked = Path(tmp)
            for info in z.infolist():  # zipfile drops modes: restore them
                mode = info.external_attr >> 16
                if mode and not info.is_dir():
                    (unpacked / info.filename).chmod(mode & 0o777)
            packed = {
                p.name: yaml.safe_load(p.read_text())
                for p in unpacked.glob("*.yaml")
            }
            started_at = packed.get("manifest.yaml", {}).get("charmcraft-started-at")
            expected = expected_files(project_yaml, platform, unpacked, str(started_at))
        problems = []
        for file in sorted(set(expected) | set(packed)):
            want, got = expected.get(file), packed.get(file)
            if want != got:
                problems.append(f"{file}: charmcraft writes {want!r}, the charm has {got!r}")
            elif file == "manifest.yaml" and list(want) != list(got):
                problems.append(f"{file}: keys {list(got)}, charmcraft's order is {list(want)}")
        if problems:
            failed = True
            print(f"FAIL  {charm}")
            for p in problems:
                print(f"        {p}")
        else:
            print(f"OK    {charm}: {', '.join(sorted(packed))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
