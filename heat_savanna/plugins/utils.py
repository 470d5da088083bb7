"""Helpers every provisioning plugin shares (pure: no Heat, no I/O).

Topology checks read a cluster *definition* (any object with the attributes
of :class:`heat_savanna.plugins.base.ClusterSpecView`) defensively: odd
types are reported by the caller's checks, never tripped over here. File
helpers turn a cluster *view* (:class:`~heat_savanna.plugins.base.
ClusterInfo`) into file contents.
"""

import dataclasses
import inspect
import re
import shlex

from heat_savanna.common import exceptions
from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins import base

#: exit statuses of a shell that could not run the command at all (126:
#: not executable, 127: not found): retrying cannot help
CANNOT_RUN = (126, 127)
_ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


# -- reading a definition ---------------------------------------------------
def count_of(group):
    """The group's ``count`` (0 when missing or not a non-negative int)."""
    count = getattr(group, 'count', 0)
    return count if isinstance(count, int) and count >= 0 else 0


def processes_of(group):
    """The group's ``node_processes`` as a tuple (a lone string is one)."""
    procs = getattr(group, 'node_processes', ()) or ()
    return (procs,) if isinstance(procs, str) else tuple(procs)


def node_groups(cluster):
    return getattr(cluster, 'node_groups', ()) or ()


def groups_with(cluster, process):
    """``[(index, group)]`` of the node groups running ``process``."""
    return [(i, g) for i, g in enumerate(node_groups(cluster))
            if process in processes_of(g)]


# -- checks shared by the plugins -------------------------------------------
def check_version(cluster, versions, framework):
    version = getattr(cluster, 'plugin_version', None)
    if version in versions:
        return []
    return [ValidationError(
        'plugin_version', '%s version %r is not supported'
        % (framework, version), 'supported: %s' % ', '.join(versions))]


def check_processes(cluster, known, framework):
    """One error per node group naming processes the plugin does not know.
    """
    errors = []
    for i, group in enumerate(node_groups(cluster)):
        unknown = [p for p in processes_of(group) if p not in known]
        if unknown:
            errors.append(ValidationError(
                'node_groups[%d].node_processes' % i,
                'unknown %s process(es): %s'
                % (framework, ', '.join(map(str, unknown))),
                'valid processes: %s' % ', '.join(sorted(known))))
    return errors


def check_exactly_one(cluster, process, label, count_hint):
    """``process`` must run on exactly one node: in one group of count 1.
    ``label`` names it in messages ("the HDFS namenode")."""
    found = groups_with(cluster, process)
    total = sum(count_of(g) for _, g in found)
    if not found or total == 0:
        return [ValidationError(
            'node_groups', 'no node group runs %s' % label,
            'add "%s" to the node_processes of exactly one group '
            'with count 1' % process)]
    if len(found) > 1:
        return [ValidationError(
            'node_groups[%d].node_processes' % found[1][0],
            '%s is already in node group %r'
            % (label, getattr(found[0][1], 'name', found[0][0])),
            'exactly one node may run "%s"' % process)]
    if total > 1:
        return [ValidationError(
            'node_groups[%d].count' % found[0][0],
            'a group running %s must have count 1, not %d' % (label, total),
            count_hint)]
    return []


def check_at_most_one(cluster, process, label):
    """``process`` may run on one node or none."""
    found = groups_with(cluster, process)
    if len(found) <= 1 and sum(count_of(g) for _, g in found) <= 1:
        return []
    index = found[1][0] if len(found) > 1 else found[0][0]
    where = 'node_groups[%d].%s' % (
        index, 'node_processes' if len(found) > 1 else 'count')
    return [ValidationError(where, 'more than one %s' % label,
                            'run "%s" on at most one node' % process)]


def check_anti_affinity(cluster, known):
    """Every ``anti_affinity`` entry names a process some group runs."""
    errors = []
    for k, name in enumerate(getattr(cluster, 'anti_affinity', ()) or ()):
        if name not in known:
            errors.append(ValidationError(
                'anti_affinity[%d]' % k, 'unknown process %r' % (name,),
                'valid processes: %s' % ', '.join(sorted(known))))
        elif not groups_with(cluster, name):
            errors.append(ValidationError(
                'anti_affinity[%d]' % k, 'no node group runs %r' % name,
                'name a process some node group runs'))
    return errors


def never_raise(validate, cluster, *args):
    """``validate(cluster, *args)``, turning an unexpected exception on
    strange input into one error: validation reports, it never raises."""
    try:
        return validate(cluster, *args)
    except Exception as exc:  # noqa: bad input must not crash validate
        return [ValidationError('', 'invalid cluster definition: %s'
                                % exc)]


def port_rules(catalog, cluster):
    """:class:`~heat_savanna.plugins.base.PortRule` of every port the
    cluster's configuration opens (see ``ConfigCatalog.ports``)."""
    return [base.PortRule(port, public=opens == 'public', description=label)
            for port, opens, label in catalog.ports(cluster)]


# -- files ------------------------------------------------------------------
def comment_text(text):
    """``text`` made safe for one comment line of a generated file (shell
    scripts source some of them): control characters become '?'."""
    return ''.join('?' if ord(c) < 32 or c == '\x7f' else c
                   for c in str(text))


def export_line(name, value):
    """``export NAME='value'`` for a shell script; the name must be an
    environment variable name (validation refuses others first: a name
    cannot be quoted)."""
    if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
        raise ValueError('not an environment variable name: %r' % (name,))
    if isinstance(value, bool):
        value = 'true' if value else 'false'
    return 'export %s=%s' % (name, shlex.quote(str(value)))


def hosts_file(cluster_info):
    """/etc/hosts of every node: localhost and every member node (a failed
    node, not a member, is never listed)."""
    lines = ['127.0.0.1\tlocalhost',
             '::1\tlocalhost ip6-localhost ip6-loopback',
             '# cluster %s (generated by heat-savanna)'
             % comment_text(cluster_info.name)]
    for n in cluster_info.nodes:
        names = [n.fqdn, n.name] if n.fqdn and n.fqdn != n.name else [n.name]
        lines.append('%s\t%s' % (n.internal_ip, ' '.join(names)))
    return '\n'.join(lines) + '\n'


def file_entries(files):
    """``[(path, content, mode)]`` of a ``{path: content}`` mapping, sorted
    by path, for the remote's ``install_files``: shell scripts (``*.sh``)
    are executable, everything else is 0644."""
    return [(path, content, 0o755 if path.endswith('.sh') else 0o644)
            for path, content in sorted(files.items())]


# -- probes and the image check ----------------------------------------------
def probe(remote, command, **kwargs):
    """``remote.run(command, check=False, **kwargs)`` for a readiness
    probe: a non-zero exit is "not ready yet" and returned, but an exit
    that says the command cannot run at all (126, 127) raises
    RemoteCommandFailed, which the step runner treats as final."""
    result = remote.run(command, check=False, **kwargs)
    if result.exit_code in CANNOT_RUN:
        raise exceptions.RemoteCommandFailed(
            getattr(remote, 'node_name', '?'), command, result.exit_code,
            (result.stderr or result.stdout or '').strip()[-200:])
    return result


@dataclasses.dataclass(frozen=True)
class Requirement:
    """Something a node's image must have.

    :param what: how a message names it (a path, "java").
    :param test: a shell test, true when it is there (arguments quoted).
    :param found: for the versioned artifact: a shell command printing
        what the image has instead (e.g. the jars of another version).
    """
    what: str
    test: str
    found: str = None


#: exit status of the image check script when something is missing
IMAGE_INCOMPLETE = 3


def image_check_script(requirements):
    """A POSIX shell script printing ``missing: <what>`` for each absent
    requirement and ``found: <text>`` for what stands in for a versioned
    one; it exits 0 when nothing is missing and
    :data:`IMAGE_INCOMPLETE` (3) otherwise, so that a node running it
    by itself (the agent transport) stops there too."""
    lines = ['m=0']
    for req in requirements:
        lines.append('%s || { echo %s; m=1; }' % (req.test, shlex.quote(
            'missing: ' + req.what)))
        if req.found:
            lines.append('%s || echo "found: $(%s 2>/dev/null | head -n 3 '
                         '| tr \'\\n\' \' \')"' % (req.test, req.found))
    lines.append('[ "$m" = 0 ] || exit %d' % IMAGE_INCOMPLETE)
    lines.append('exit 0')
    return '\n'.join(lines) + '\n'


def image_problem(output, framework, version, node, fix):
    """The failure reason of a node whose image check printed ``output``,
    or None when nothing is missing. Names the image, what is missing
    (at most three things) and ``fix``."""
    missing = [line[len('missing: '):] for line in output.splitlines()
               if line.startswith('missing: ')]
    if not missing:
        return None
    found = ' '.join(line[len('found: '):].strip()
                     for line in output.splitlines()
                     if line.startswith('found: ')).strip()
    image = ('image %r' % node.image) if node.image else \
        'the image of %s' % node.name
    shown = ', '.join(missing[:3])
    if len(missing) > 3:
        shown += ' and %d more' % (len(missing) - 3)
    if found and len(missing) == 1:
        return '%s has %s, but not %s %s: missing %s, found %s (%s)' % (
            image, framework, framework, version, shown, found, fix)
    return '%s has no %s %s: missing %s (%s)' % (
        image, framework, version, shown, fix)


def image_check_work(framework, version, requirements_of, fix):
    """Work of a plugin's first step: run the image check on each node;
    a node whose image lacks something fails with the reason
    :func:`image_problem` words (the image, what is missing, ``fix``).
    ``requirements_of(node)`` lists the node's :class:`Requirement`."""
    def work(node):
        def explain(exit_code, stdout):
            return image_problem(stdout or '', framework, version, node,
                                 fix)
        return base.NodeWork(
            commands=(image_check_script(requirements_of(node)),),
            timeout=60, explain=explain)
    return work


def java_requirement(java_home):
    if java_home:
        path = '%s/bin/java' % java_home
        return Requirement(path, 'test -x %s' % shlex.quote(path))
    return Requirement('java (on the PATH)',
                       'command -v java >/dev/null 2>&1')


def restarts_by_process(nodes, restarts, order):
    """``[(process, nodes)]`` in ``order``: for each process, the nodes of
    ``nodes`` that run it and must restart it (``restarts``:
    ``{node name: processes}``); processes no node restarts are left out.
    """
    out = []
    for process in order:
        these = tuple(n for n in nodes if n.has(process) and
                      process in restarts.get(n.name, ()))
        if these:
            out.append((process, these))
    return out


# -- judges that run in the engine and on the node ----------------------------
class _Mark(object):
    """The node's mark as a probe argument (``$SAVANNA_MARK`` on the node).
    """

    def __repr__(self):
        return 'MARK'


#: a :func:`judge_command` argument standing for the node's mark
MARK = _Mark()


def judge_command(fetch, judge, *args):
    """A probe: the shell command line that runs ``fetch`` (printing a
    status document, e.g. the Spark master's /json/ page) and exits 0
    when ``judge(document, *args)`` is true.

    ``judge`` is a function of a self-contained module (standard library
    only): the engine calls it in-process on what it fetched over SSH,
    and the node runs the module's very source with ``python3`` here, so
    both transports judge by the same code. An argument :data:`MARK`
    becomes the node's ``$SAVANNA_MARK``. The exit status is 0 ready, 1
    not yet, and the fetch's own failure (a service not answering yet)
    is "not yet" too.
    """
    module = inspect.getmodule(judge)
    program = '%s\nimport sys\nsys.exit(0 if %s(sys.stdin.read(), ' \
        '*sys.argv[1:]) else 1)\n' % (inspect.getsource(module).rstrip(),
                                      judge.__name__)
    words = ['"${%s:-}"' % base.MARK_VARIABLE if a is MARK
             else shlex.quote(str(a)) for a in args]
    return '{ %s; } 2>/dev/null | python3 -c %s%s' % (
        fetch, shlex.quote(program), ''.join(' ' + w for w in words))


def succeeds_probe(command):
    """A probe that is ready when ``command`` exits 0 (its output is
    discarded)."""
    return '%s >/dev/null 2>&1' % command
