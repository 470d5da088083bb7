"""The rules of an ``OS::Savanna::Job``: pure, shared by the resource and
``heat-savanna validate``.

What a job's properties are called, what a valid job definition is, what
its cluster must be (a cluster of the same template, on a plugin that runs
the job's type), how a signal's data is read and how an
execution is named. No Heat import and no I/O: the resource
(:mod:`heat_savanna.resources.job`) and the command line
(:mod:`heat_savanna.cli`) hand in plain values and report what comes
back, so the engine and ``validate`` give the same verdict in the same
words.
"""

import calendar
import posixpath
import re
import time
import urllib.parse
import uuid

from heat_savanna.common import exceptions
from heat_savanna import plugins
from heat_savanna.plugins import base as plugin_base
from heat_savanna.plugins import catalog

RESOURCE_TYPE = 'OS::Savanna::Job'
CLUSTER_RESOURCE_TYPE = 'OS::Savanna::Cluster'

PROPERTIES = (
    CLUSTER, TYPE, MAIN, MAIN_CLASS, ARGS, CONFIGS, RUN_ON, ON_FAILURE,
    TIMEOUT,
) = (
    'cluster', 'type', 'main', 'main_class', 'args', 'configs',
    'run_on', 'on_failure', 'timeout',
)

MAIN_KEYS = (MAIN_INLINE, MAIN_URL, MAIN_PATH) = ('inline', 'url', 'path')

RUN_ON_VALUES = (ON_CREATE, ON_UPDATE, ON_SIGNAL) = (
    'create', 'update', 'signal')

ON_FAILURE_VALUES = (FAILURE_FAIL, FAILURE_CONTINUE) = ('fail', 'continue')

#: properties whose change is a new job (run again on update)
JOB_DEFINITION = (TYPE, MAIN, MAIN_CLASS, ARGS, CONFIGS)

SIGNAL_ACTIONS = (RUN, KILL) = ('run', 'kill')

CLUSTER_REFERENCE_ERROR = (
    'Property %s: must be {get_resource: NAME} of an %s of this stack'
    % (CLUSTER, CLUSTER_RESOURCE_TYPE))

_SAFE_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')


def safe_name(name):
    """True if ``name`` is a plain file name (no path, no shell magic)."""
    return bool(_SAFE_NAME.match(name or ''))


def is_env_name(key):
    """True if ``key`` can be an environment variable's name (the
    plugins' catalog rule: letters, digits and _, not starting with a
    digit)."""
    return isinstance(key, str) and \
        re.fullmatch(catalog.ENV_NAME, key) is not None


def cluster_name(snippet):
    """Name of the cluster resource, from the ``cluster`` property as
    written (``{get_resource: NAME}``), or None."""
    if isinstance(snippet, dict) and list(snippet) == ['get_resource']:
        name = snippet['get_resource']
        if isinstance(name, str):
            return name
    return None


# -- validation ---------------------------------------------------------------
def job_errors(props, on_cluster, cluster=None, get_plugin=None):
    """Every problem of a job, each naming its property.

    :param props: the job's properties (a mapping by :data:`PROPERTIES`,
        defaults filled in).
    :param on_cluster: whether ``cluster`` is ``{get_resource: NAME}`` of
        an OS::Savanna::Cluster of the same template.
    :param cluster: ``(plugin name, plugin version, transport)`` of that
        cluster, or None when they cannot be read (the cluster's own
        validation then says why): the plugin is not checked.
    """
    errors = [] if on_cluster else [CLUSTER_REFERENCE_ERROR]
    errors += job_definition_errors(props)
    if not errors and cluster is not None:
        errors += plugin_errors(props[TYPE], *cluster,
                                get_plugin=get_plugin)
    return errors


def plugin_errors(job_type, plugin_name, version, transport,
                  get_plugin=None):
    """Problems of running a ``job_type`` job on a cluster of
    ``plugin_name`` ``version``. Any ``transport`` runs jobs: over SSH,
    or through the master's Heat agent."""
    try:
        plugin = (get_plugin or plugins.get_plugin)(plugin_name)
    except (exceptions.SavannaError, KeyError, ValueError):
        return []      # the cluster's own validation says why
    errors = []
    supported = plugin.supported_job_types(version)
    if job_type not in supported:
        errors.append('Property %s: the %s plugin runs %s jobs, not %s'
                      % (TYPE, plugin_name, ' and '.join(supported) or 'no',
                         job_type))
    return errors


def job_definition_errors(props):
    """Problems of the job definition, each naming its property."""
    errors = []
    main = props[MAIN] or {}
    given = [k for k in MAIN_KEYS if main.get(k)]
    job_type = props[TYPE]
    if len(given) != 1:
        errors.append('Property %s: give exactly one of %s (got %s)'
                      % (MAIN, ', '.join(MAIN_KEYS),
                         ', '.join(given) or 'none'))
    elif given == [MAIN_INLINE] and job_type == plugin_base.JOB_MAPREDUCE:
        errors.append('Property %s.%s: a mapreduce job needs a jar: give '
                      'its url or path' % (MAIN, MAIN_INLINE))
    jar = bool(given) and given != [MAIN_INLINE] and (
        main[given[0]].lower().endswith('.jar') or
        job_type == plugin_base.JOB_MAPREDUCE)
    if props[MAIN_CLASS] and not jar:
        errors.append('Property %s: only a jar has a main class (the main '
                      'program is not a .jar)' % MAIN_CLASS)
    for key, value in (props[CONFIGS] or {}).items():
        if isinstance(value, (dict, list)):
            errors.append('Property %s.%s: a value must be a string or a '
                          'number' % (CONFIGS, key))
        elif job_type == plugin_base.JOB_SHELL and not is_env_name(key):
            errors.append('Property %s.%s: a shell job gets its configs as '
                          'environment variables: use letters, digits and '
                          '_, not starting with a digit' % (CONFIGS, key))
        elif not key or '=' in key or any(c.isspace() for c in key):
            errors.append('Property %s.%s: a config key has no "=" and no '
                          'blanks' % (CONFIGS, key))
    return errors


# -- executions ---------------------------------------------------------------
def main_file_name(props):
    """File name of an inline or downloaded main program in the
    execution directory."""
    main = props[MAIN] or {}
    job_type = props[TYPE]
    if main.get(MAIN_URL):
        base = posixpath.basename(urllib.parse.urlparse(
            main[MAIN_URL]).path)
        if safe_name(base):
            return base
        return 'main.jar' if job_type == plugin_base.JOB_MAPREDUCE else \
            'main.py' if job_type == plugin_base.JOB_SPARK else 'main.sh'
    return 'main.sh' if job_type == plugin_base.JOB_SHELL else 'main.py'


def job_spec(props, args=None, configs=None):
    """The plugin's :class:`~heat_savanna.plugins.base.JobSpec` of one
    execution: the job's own ``args`` and ``configs`` unless given."""
    main = props[MAIN] or {}
    args = props[ARGS] if args is None else args
    configs = props[CONFIGS] if configs is None else configs
    return plugin_base.JobSpec(
        job_type=props[TYPE],
        main=main.get(MAIN_PATH) or main_file_name(props),
        main_class=props[MAIN_CLASS] or None,
        args=tuple(str(a) for a in args),
        configs=tuple(sorted((str(k), scalar(v))
                             for k, v in configs.items())))


def signal_request(details):
    """``{'action': 'run'|'kill', 'args': [...]|None, 'configs':
    {...}|None}`` from signal data; raises ValueError naming the key."""
    details = details if isinstance(details, dict) else {}
    action = details.get('action', RUN)
    if action not in SIGNAL_ACTIONS:
        raise ValueError('signal data "action" must be "run" or "kill", '
                         'not %r' % (action,))
    out = {'action': action, 'args': None, 'configs': None}
    if details.get('args') is not None:
        args = details['args']
        if not isinstance(args, list) or any(
                isinstance(a, (dict, list)) for a in args):
            raise ValueError('signal data "args" must be a list of strings')
        out['args'] = [str(a) for a in args]
    if details.get('configs') is not None:
        configs = details['configs']
        if not isinstance(configs, dict) or any(
                isinstance(v, (dict, list)) for v in configs.values()):
            raise ValueError('signal data "configs" must map keys to '
                             'strings')
        out['configs'] = {str(k): scalar(v) for k, v in configs.items()}
    return out


def new_execution_id(now):
    """A unique id that sorts by time: 20261201T101500.123Z-3fa2c1."""
    return '%s.%03dZ-%s' % (time.strftime('%Y%m%dT%H%M%S', time.gmtime(now)),
                            int(now * 1000) % 1000, uuid.uuid4().hex[:6])


def scalar(value):
    """A config value as the job sees it (booleans as true/false)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def epoch(stamp):
    """Seconds since the epoch of a UTC ISO 8601 stamp; 0 if unreadable."""
    try:
        return calendar.timegm(time.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ'))
    except (TypeError, ValueError):
        return 0
