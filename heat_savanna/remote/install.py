"""Installing configuration files on a node: one shell script, one tar.

Both transports write a node's files the same way: the files travel as
one tar stream (members named ``<path>.<tag>``) that the script below
unpacks as root next to each path and renames into place, so a reader
never sees a half-written file and, if any file cannot be unpacked, none
is changed. Over SSH the stream is the script's stdin; in a Heat
software deployment it is embedded in the deployment's script (see
:mod:`heat_savanna.provisioning.agent`).

Pure: no I/O.
"""

import base64
import io
import shlex
import tarfile
import time
import uuid


def _as_bytes(files):
    out = []
    for path, content, mode in files:
        if not path.startswith('/'):
            raise ValueError('install_files needs absolute paths, not %r'
                             % path)
        out.append((path, content.encode() if isinstance(content, str)
                    else content, mode))
    return out


def bundle(files, prelude=None, tag=None, mtime=None):
    """``(script, tar_bytes)`` installing ``files`` ((path, content,
    mode), absolute paths) after ``prelude`` (a shell snippet run in a
    subshell without stdin; its failure stops everything). The script
    reads the tar stream on its stdin and runs under any POSIX shell as
    root. ``tag`` and ``mtime`` make the result reproducible (tests, and
    deployments whose content must not change without a reason)."""
    files = _as_bytes(files)
    tag = tag or 'savanna-new-%s' % uuid.uuid4().hex[:12]
    mtime = int(time.time()) if mtime is None else mtime
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode='w') as tar:
        for path, data, mode in files:
            member = tarfile.TarInfo('%s.%s' % (path.lstrip('/'), tag))
            member.size, member.mode = len(data), mode
            member.uname = member.gname = 'root'
            member.mtime = mtime
            tar.addfile(member, io.BytesIO(data))
    q = shlex.quote
    paths = ' '.join(q(p) for p, _c, _m in files)
    lines = [
        't=%s' % tag,
        'savanna_fail() {',
        '  for p in %s; do rm -f "$p.$t"; done; exit 1' % paths,
        '}',
        'savanna_mv() {',
        '  mv -f "$2.$t" "$2" 2>/dev/null && return 0',
        '  cat "$2.$t" > "$2" && chmod "$1" "$2" && rm -f "$2.$t" && '
        'return 0',
        '  echo "heat-savanna: cannot write $2" >&2; return 1',
        '}',
    ]
    if prelude:
        lines += ['(', prelude.rstrip('\n'), ') </dev/null || exit $?']
    if files:
        lines += [
            'if ! tar -xpf - -C /; then',
            '  for p in %s; do' % paths,
            '    [ -f "$p.$t" ] || echo "heat-savanna: cannot write $p" >&2',
            '  done',
            '  savanna_fail',
            'fi',
        ]
        lines += ['savanna_mv %o %s || savanna_fail' % (m, q(p))
                  for p, _c, m in files]
    return '\n'.join(lines) + '\n', stream.getvalue()


def describe(files, prelude=None):
    """How a failure of the bundle is named: ``install 3 file(s)...``."""
    return 'install %d file(s)%s' % (
        len(files), ' after the node set-up' if prelude else '')


def standalone_script(files, prelude=None, tag='savanna-new', mtime=0):
    """A shell snippet doing what :func:`bundle` does with the tar stream
    embedded (base64), for a node that runs it itself: no stdin needed.
    Deterministic for the same files (fixed tag and mtime)."""
    script, data = bundle(files, prelude, tag=tag, mtime=mtime)
    if not files:
        return script
    encoded = base64.encodebytes(data).decode('ascii')
    return ('base64 -d <<\'SAVANNA_FILES\' | sh -c %s\n%sSAVANNA_FILES\n'
            % (shlex.quote(script), encoded))
