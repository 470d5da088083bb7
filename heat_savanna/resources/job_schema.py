"""The property and attribute schemas of ``OS::Savanna::Job``.

The property names and their allowed values come from the pure
:mod:`heat_savanna.core.job`, whose rules ``heat-savanna validate`` runs
too; :class:`heat_savanna.resources.job.SavannaJob` declares these.
"""

from heat.common.i18n import _
from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties

from heat_savanna.core.job import ARGS
from heat_savanna.core.job import CLUSTER
from heat_savanna.core.job import CONFIGS
from heat_savanna.core.job import FAILURE_FAIL
from heat_savanna.core.job import MAIN
from heat_savanna.core.job import MAIN_CLASS
from heat_savanna.core.job import MAIN_INLINE
from heat_savanna.core.job import MAIN_PATH
from heat_savanna.core.job import MAIN_URL
from heat_savanna.core.job import ON_FAILURE
from heat_savanna.core.job import ON_FAILURE_VALUES
from heat_savanna.core.job import RUN_ON
from heat_savanna.core.job import RUN_ON_VALUES
from heat_savanna.core.job import TIMEOUT
from heat_savanna.core.job import TYPE
from heat_savanna.plugins import base as plugin_base

ATTRIBUTES = (
    STATUS, EXIT_CODE, OUTPUT, ERROR_OUTPUT, STARTED_AT, FINISHED_AT,
    LOG_PATH, EXECUTIONS, SIGNAL_URL,
) = (
    'status', 'exit_code', 'output', 'error_output', 'started_at',
    'finished_at', 'log_path', 'executions', 'signal_url',
)

PROPERTIES_SCHEMA = {
    CLUSTER: properties.Schema(
        properties.Schema.STRING,
        _('The cluster the job runs on: {get_resource: NAME} of an '
          'OS::Savanna::Cluster of this stack (the job reaches the '
          'nodes with the cluster\'s own management key).'),
        required=True),
    TYPE: properties.Schema(
        properties.Schema.STRING,
        _('"spark": spark-submit of a Python file or a jar (spark '
          'plugin); "mapreduce": yarn jar (vanilla plugin); "shell": a '
          'bash script (both plugins).'),
        required=True,
        constraints=[constraints.AllowedValues(
            list(plugin_base.JOB_TYPES))],
        update_allowed=True),
    MAIN: properties.Schema(
        properties.Schema.MAP,
        _('The main program, exactly one of: inline (its text: a '
          'Python file for spark, a script for shell), url (http or '
          'https, downloaded by the master at each execution) or path '
          '(absolute, a file the image carries).'),
        required=True,
        schema={
            MAIN_INLINE: properties.Schema(
                properties.Schema.STRING,
                _('Text of the program.'),
                constraints=[constraints.Length(min=1, max=65536)]),
            MAIN_URL: properties.Schema(
                properties.Schema.STRING,
                _('http(s) URL of the program; a name ending in .jar '
                  'is submitted as a jar.'),
                constraints=[constraints.AllowedPattern(
                    r'^https?://\S+$',
                    _('an http:// or https:// URL'))]),
            MAIN_PATH: properties.Schema(
                properties.Schema.STRING,
                _('Absolute path of the program on the master; a name '
                  'ending in .jar is submitted as a jar.'),
                constraints=[constraints.AllowedPattern(
                    r'^/\S*$', _('an absolute path'))]),
        },
        update_allowed=True),
    MAIN_CLASS: properties.Schema(
        properties.Schema.STRING,
        _('Main class of a jar (spark --class; for mapreduce the class '
          'or program name after the jar, e.g. "wordcount" of the '
          'examples jar). Without it the jar\'s manifest names it.'),
        update_allowed=True),
    ARGS: properties.Schema(
        properties.Schema.LIST,
        _('Arguments of the main program; a signal may give others '
          'for one execution.'),
        default=[],
        schema=properties.Schema(properties.Schema.STRING),
        update_allowed=True),
    CONFIGS: properties.Schema(
        properties.Schema.MAP,
        _('Job settings, {key: value}: --conf of spark-submit, -D of '
          'mapreduce, environment variables of a shell job; a signal '
          'may give others for one execution.'),
        default={},
        update_allowed=True),
    RUN_ON: properties.Schema(
        properties.Schema.LIST,
        _('When the job runs: "create" (the resource waits for it), '
          '"update" (a stack update changing the job runs it again '
          'and waits), "signal" (each signal starts an execution; the '
          'signal returns at once).'),
        default=list(RUN_ON_VALUES),
        schema=properties.Schema(
            properties.Schema.STRING,
            constraints=[constraints.AllowedValues(
                list(RUN_ON_VALUES))]),
        update_allowed=True),
    ON_FAILURE: properties.Schema(
        properties.Schema.STRING,
        _('What a failed execution the stack waits for does: "fail" '
          'the resource (the stack action fails; the cluster stays as '
          'it is), or "continue" (the execution is FAILED, the stack '
          'goes on). Executions started by a signal only record their '
          'failure.'),
        default=FAILURE_FAIL,
        constraints=[constraints.AllowedValues(
            list(ON_FAILURE_VALUES))],
        update_allowed=True),
    TIMEOUT: properties.Schema(
        properties.Schema.INTEGER,
        _('Seconds an execution may run; then the master stops it '
          '(TERM, KILL 10 s later) and the execution is FAILED.'),
        default=3600,
        constraints=[constraints.Range(min=1, max=7 * 24 * 3600)],
        update_allowed=True),
}

ATTRIBUTES_SCHEMA = {
    STATUS: attributes.Schema(
        _('Status of the latest execution: PENDING, RUNNING, '
          'SUCCEEDED, FAILED or KILLED (null before the first).'),
        type=attributes.Schema.STRING,
        cache_mode=attributes.Schema.CACHE_NONE),
    EXIT_CODE: attributes.Schema(
        _('Exit code of the latest execution once it ended.'),
        type=attributes.Schema.INTEGER,
        cache_mode=attributes.Schema.CACHE_NONE),
    OUTPUT: attributes.Schema(
        _('Last lines the latest execution printed on its standard '
          'output (its result), secrets redacted.'),
        type=attributes.Schema.STRING,
        cache_mode=attributes.Schema.CACHE_NONE),
    ERROR_OUTPUT: attributes.Schema(
        _('Last lines of the latest execution\'s standard error (the '
          'framework\'s log, a failure\'s traceback), secrets '
          'redacted.'),
        type=attributes.Schema.STRING,
        cache_mode=attributes.Schema.CACHE_NONE),
    STARTED_AT: attributes.Schema(
        _('UTC time the latest execution started (ISO 8601).'),
        type=attributes.Schema.STRING,
        cache_mode=attributes.Schema.CACHE_NONE),
    FINISHED_AT: attributes.Schema(
        _('UTC time the latest execution ended (ISO 8601).'),
        type=attributes.Schema.STRING,
        cache_mode=attributes.Schema.CACHE_NONE),
    LOG_PATH: attributes.Schema(
        _('Path of the latest execution\'s standard output log on the '
          'master (stderr.log beside it).'),
        type=attributes.Schema.STRING,
        cache_mode=attributes.Schema.CACHE_NONE),
    EXECUTIONS: attributes.Schema(
        _('Every execution, oldest first: id, trigger (create, '
          'update, retry, signal), status, reason, exit_code, args, '
          'configs, requested_at, started_at, finished_at, log_path.'),
        type=attributes.Schema.LIST,
        cache_mode=attributes.Schema.CACHE_NONE),
    SIGNAL_URL: attributes.Schema(
        _('Pre-signed URL: an HTTP POST to it (body: the signal data, '
          'e.g. {"args": [...]}) starts an execution, like a signal. '
          'Null unless run_on has "signal".'),
        type=attributes.Schema.STRING,
        cache_mode=attributes.Schema.CACHE_NONE),
}
