"""Shell script that prepares a node's attached volumes.

Both plugins keep data on ``/volumes/disk<k>`` (k = 1..n, in attachment
order). On a real VM the device is formatted once (only if it has no
filesystem: never wipe data on a re-run) and mounted there; in the
sandbox the device does not exist and the directory alone is used.
"""

import shlex

MOUNT_ROOT = '/volumes'


def mount_point(index, root=MOUNT_ROOT):
    """Mount point of the ``index``-th volume (1-based)."""
    return '%s/disk%d' % (root, index)


def prepare_volumes_script(devices, root=MOUNT_ROOT, fs='ext4'):
    """An idempotent ``sh`` script (run with sudo) that formats and mounts
    every device of ``devices`` at ``mount_point(k)``."""
    lines = ['set -e']
    for k, dev in enumerate(devices, 1):
        d, m = shlex.quote(dev), shlex.quote(mount_point(k, root))
        lines.append('mkdir -p %s' % m)
        lines.append(
            'if [ -b {d} ] && ! mountpoint -q {m}; then '
            'blkid {d} >/dev/null 2>&1 || mkfs.{fs} -q {d}; '
            'mount {d} {m}; fi'.format(d=d, m=m, fs=fs))
    return '\n'.join(lines) + '\n'
