#!/usr/bin/env python3
"""Check heat-savanna's built artefacts against the checkout.

    python tools/check_dist.py dist/*.whl dist/*.tar.gz

For the wheel:

* every module of the checkout's ``heat_savanna`` package (so every
  subpackage) is in it;
* its entry points are exactly setup.cfg's ``[options.entry_points]``,
  the ``heat-savanna`` console script among them;
* its long description is README.rst, as reStructuredText, and renders
  without a warning (readme_renderer, as ``twine check`` does, when it
  is installed; else docutils with the same halt level);
* the Heat plugin-dir shim is in the package (``heat_savanna/shim.py``)
  and is the very file ``contrib/heat/heat_savanna_plugin.py`` is.

For the sdist: PKG-INFO, README.rst, setup.cfg, pyproject.toml and every
module of the package. Prints one line per problem and exits 1, else
prints what it checked and exits 0.
"""

import configparser
import email
import os
import sys
import tarfile
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = 'heat_savanna'
SHIM = 'heat_savanna/shim.py'


def source_modules(repo=REPO):
    """Every .py file of the package in the checkout, as a posix path."""
    found = set()
    for root, dirs, files in os.walk(os.path.join(repo, PACKAGE)):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        for name in files:
            if name.endswith('.py'):
                rel = os.path.relpath(os.path.join(root, name), repo)
                found.add(rel.replace(os.sep, '/'))
    return found


def declared_entry_points(repo=REPO):
    """``{group: {name: value}}`` from setup.cfg."""
    conf = configparser.ConfigParser()
    conf.read(os.path.join(repo, 'setup.cfg'))
    groups = {}
    for group, text in conf.items('options.entry_points'):
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        groups[group] = dict(_pair(x) for x in lines)
    return groups


def _pair(line):
    name, _, value = line.partition('=')
    return name.strip(), value.strip()


def wheel_entry_points(text):
    conf = configparser.ConfigParser()
    conf.optionxform = str
    conf.read_string(text)
    return {group: dict(conf.items(group)) for group in conf.sections()}


def render_problems(text):
    """What keeps the long description from rendering (empty: nothing)."""
    try:
        from readme_renderer import rst
    except ImportError:
        rst = None
    if rst is not None:
        return [] if rst.render(text) is not None else [
            'README.rst does not render (readme_renderer)']
    from docutils import core, utils
    try:
        core.publish_parts(text, writer_name='html', settings_overrides={
            'halt_level': 2, 'report_level': 2, 'warning_stream': False,
            'file_insertion_enabled': False, 'raw_enabled': False})
    except utils.SystemMessage as exc:
        return ['README.rst does not render: %s' % exc]
    return []


def check_wheel(path, repo=REPO):
    problems = []
    with zipfile.ZipFile(path) as whl:
        names = set(whl.namelist())
        infos = [n for n in names if n.endswith('.dist-info/METADATA')]
        if len(infos) != 1:
            return ['%s: want one dist-info/METADATA, got %s' % (path, infos)]
        dist_info = infos[0].rsplit('/', 1)[0]
        for module in sorted(source_modules(repo) - names):
            problems.append('wheel lacks %s' % module)
        metadata = email.message_from_bytes(whl.read(infos[0]))
        eps = wheel_entry_points(
            whl.read(dist_info + '/entry_points.txt').decode())
        shim = whl.read(SHIM) if SHIM in names else None
    want = declared_entry_points(repo)
    if eps != want:
        problems.append('entry points %r, setup.cfg says %r' % (eps, want))
    if eps.get('console_scripts', {}).get('heat-savanna') != \
            'heat_savanna.cli:main':
        problems.append('no heat-savanna console script')
    if metadata.get('Description-Content-Type') != 'text/x-rst':
        problems.append('long description is %r, not text/x-rst'
                        % metadata.get('Description-Content-Type'))
    with open(os.path.join(repo, 'README.rst')) as f:
        readme = f.read()
    body = metadata.get_payload()
    if body.strip() != readme.strip():
        problems.append('long description is not README.rst')
    problems.extend(render_problems(body))
    if shim is None:
        problems.append('wheel lacks the Heat shim %s' % SHIM)
    else:
        contrib = os.path.join(repo, 'contrib', 'heat',
                               'heat_savanna_plugin.py')
        with open(contrib, 'rb') as f:
            if f.read() != shim:
                problems.append('%s differs from contrib/heat/'
                                'heat_savanna_plugin.py' % SHIM)
        if os.path.realpath(contrib) != os.path.join(
                os.path.realpath(repo), *SHIM.split('/')):
            problems.append('contrib/heat/heat_savanna_plugin.py is a copy, '
                            'not a symlink to %s' % SHIM)
    return problems


def check_sdist(path, repo=REPO):
    with tarfile.open(path) as tar:
        names = tar.getnames()
    roots = {n.split('/', 1)[0] for n in names}
    if len(roots) != 1:
        return ['%s: want one top directory, got %s' % (path, roots)]
    root = roots.pop() + '/'
    have = {n[len(root):] for n in names if n.startswith(root)}
    want = {'PKG-INFO', 'README.rst', 'setup.cfg', 'pyproject.toml'}
    return ['sdist lacks %s' % n
            for n in sorted((want | source_modules(repo)) - have)]


def main(paths):
    problems = []
    kinds = []
    for path in paths:
        if path.endswith('.whl'):
            problems.extend(check_wheel(path))
            kinds.append('wheel')
        elif path.endswith('.tar.gz'):
            problems.extend(check_sdist(path))
            kinds.append('sdist')
        else:
            problems.append('%s: neither a wheel nor an sdist' % path)
    if 'wheel' not in kinds:
        problems.append('no wheel given')
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print('OK: %s (%d modules, entry points, README, shim)'
          % (', '.join(os.path.basename(p) for p in paths),
             len(source_modules())))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
