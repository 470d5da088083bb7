"""The core is pure: importing it pulls in no Heat, and it does no I/O."""

import ast
import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[3] / 'heat_savanna' / 'core'


def test_core_imports_no_heat():
    # every module of the core, not a list someone must remember to extend
    modules = sorted(p.stem for p in CORE.glob('*.py')
                     if p.stem != '__init__')
    assert {'lifecycle', 'records', 'names', 'job'} <= set(modules)
    code = ('import sys\n' +
            ''.join('import heat_savanna.core.%s\n' % m for m in modules) +
            'bad = [m for m in sys.modules if m == "heat" or '
            'm.startswith("heat.")]\n'
            'assert not bad, bad\n'
            'print("clean")\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, cwd=str(CORE.parents[1]), timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'clean'


def test_core_source_has_no_io_calls():
    banned = {'open', 'print', 'input'}
    banned_modules = {'os', 'subprocess', 'socket', 'io', 'pathlib',
                      'shutil', 'logging', 'requests', 'paramiko'}
    for path in CORE.glob('*.py'):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and \
                    isinstance(node.func, ast.Name):
                assert node.func.id not in banned, (path.name, node.lineno)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if \
                    isinstance(node, ast.Import) else [node.module]
                for name in names:
                    assert name.split('.')[0] not in banned_modules, \
                        (path.name, name)
