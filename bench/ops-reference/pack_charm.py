"""Finish a charm dir the way charmcraft's `charm` plugin + `pack` would, and zip it.

Usage: python3 pack_charm.py <project-dir> <charm-dir> <out.charm>

<charm-dir> must already hold `dispatch`, `src/` and `venv/` (build.sh puts them
there). This writes metadata.yaml, config.yaml (and actions.yaml if any),
manifest.yaml and the hooks/{install,start,upgrade-charm} -> ../dispatch
symlinks, then zips the dir like charmcraft's `utils.build_zip` (deflate,
symlinks followed, so hooks/* become copies of dispatch).

Needs PyYAML: build.sh runs it with the charm's own venv/ on PYTHONPATH.
"""

from __future__ import annotations

import datetime
import os
import pathlib
import sys
import zipfile

import yaml

CHARMCRAFT_VERSION = '4.5.0'  # the version whose layout this mirrors
MANDATORY_HOOKS = ('install', 'start', 'upgrade-charm')  # charmcraft/const.py
# Keys of charmcraft.yaml that go to metadata.yaml (charmcraft/models/metadata.py).
METADATA_KEYS = (
    'name', 'summary', 'description', 'assumes', 'charm-user', 'containers', 'devices',
    'extra-bindings', 'peers', 'provides', 'requires', 'resources', 'storage',
    'subordinate', 'terms',
)


def metadata_from_project(project: dict) -> dict:
    meta = {k: project[k] for k in METADATA_KEYS if project.get(k) is not None}
    if 'title' in project:
        meta['display-name'] = project['title']
    links = dict(project.get('links') or {})
    if 'documentation' in links:
        meta['docs'] = links.pop('documentation')
    if 'contact' in links:
        contact = links.pop('contact')
        meta['maintainers'] = [contact] if isinstance(contact, str) else contact
    meta.update(links)
    return meta


def bases_from_project(project: dict) -> list[dict]:
    if 'bases' in project:  # legacy bases charm: use the run-on bases
        bases = []
        for item in project['bases']:
            for run_on in item.get('run-on', [item]):
                bases.append({
                    'name': run_on['name'],
                    'channel': str(run_on['channel']),
                    'architectures': run_on.get('architectures', ['amd64']),
                })
        return bases
    name, channel = project['base'].split('@')
    bases = []
    for platform, info in (project.get('platforms') or {}).items():
        archs = (info or {}).get('build-for', [platform.split(':')[-1]])
        bases.append({'name': name, 'channel': channel, 'architectures': list(archs)})
    return bases


def build_zip(zip_path: pathlib.Path, prime_dir: pathlib.Path) -> None:
    """charmcraft.utils.file.build_zip, with a sorted walk for stable archives."""
    with zipfile.ZipFile(zip_path, 'w', zipfile.ZIP_DEFLATED) as zf:
        for dir_path, dirnames, filenames in os.walk(prime_dir, followlinks=True):
            dirnames.sort()
            for filename in sorted(filenames):
                file_path = pathlib.Path(dir_path, filename)
                zf.write(file_path, file_path.relative_to(prime_dir))


def main(project_dir: str, charm_dir: str, out: str) -> None:
    project_path, charm = pathlib.Path(project_dir), pathlib.Path(charm_dir)
    project = yaml.safe_load((project_path / 'charmcraft.yaml').read_text())

    (charm / 'metadata.yaml').write_text(
        yaml.safe_dump(metadata_from_project(project), sort_keys=True)
    )
    for key in ('config', 'actions'):
        if project.get(key):
            (charm / f'{key}.yaml').write_text(yaml.safe_dump(project[key], sort_keys=True))

    started = os.environ.get('SOURCE_DATE_EPOCH')
    when = (
        datetime.datetime.fromtimestamp(int(started), datetime.timezone.utc)
        if started
        else datetime.datetime.now(datetime.timezone.utc)
    )
    manifest = {
        'charmcraft-version': CHARMCRAFT_VERSION,
        'charmcraft-started-at': when.strftime('%Y-%m-%dT%H:%M:%S.%fZ'),
        'bases': bases_from_project(project),
        'analysis': {
            'attributes': [
                {'name': 'language', 'result': 'python'},
                {'name': 'framework', 'result': 'operator'},
            ]
        },
    }
    (charm / 'manifest.yaml').write_text(
        '# Written by bench/ops-reference/build.sh in the layout of charmcraft pack.\n'
        + yaml.safe_dump(manifest, sort_keys=True)
    )

    hooks = charm / 'hooks'
    hooks.mkdir(exist_ok=True)
    for hook in MANDATORY_HOOKS:
        link = hooks / hook
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to('../dispatch')

    out_path = pathlib.Path(out)
    tmp = out_path.with_name(out_path.name + '.tmp')
    build_zip(tmp, charm)
    tmp.replace(out_path)


if __name__ == '__main__':
    main(*sys.argv[1:])
