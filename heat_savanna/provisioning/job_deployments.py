"""Job executions through the master's Heat agent: the deployment scripts.

With ``transport: heat-agent`` the engine cannot reach the master, so
every launch, look and kill of :mod:`heat_savanna.provisioning.jobs` is
handed to the master's agent as one ``group: script`` software
deployment, and what it saw comes back as the deployment's ``look``
output (the same text :func:`~heat_savanna.provisioning.jobs.
probe_command` prints, read by the same
:func:`~heat_savanna.provisioning.jobs.parse_probe`), so the records
advance exactly as over SSH.

One deployment script:

1. forgets the deployment's signal credentials (the agent passes them to
   the script as ``deploy_*`` variables): a job started from here
   inherits none of them;
2. launches the executions it carries (the very wrapper and launch
   command of the SSH transport, the files as a base64 tar; a launch is
   idempotent, so a look may carry a launch that may already have
   happened);
3. or stops executions (the kill command, then KILL after the grace);
4. waits, at most ``window`` seconds, until no execution it names is
   running any more: the job itself runs detached (setsid) and never
   depends on the agent or the engine;
5. writes the look (first line ``@deployment <id>``) as its ``look``
   output.

Pure: no Heat, no I/O.
"""

import base64
import shlex

from heat_savanna.provisioning import jobs

#: the output every job deployment declares
LOOK_OUTPUT = 'look'
#: first word of the look's first line, naming its deployment
DEPLOYMENT_TAG = '@deployment'
#: the inputs a software deployment gives its script (Heat's
#: SoftwareDeployment.DEPLOY_ATTRIBUTES): never passed on to a job
DEPLOY_VARIABLES = (
    'deploy_server_id', 'deploy_action', 'deploy_signal_id',
    'deploy_stack_id', 'deploy_resource_name', 'deploy_auth_url',
    'deploy_username', 'deploy_password', 'deploy_project_id',
    'deploy_user_id', 'deploy_signal_verb', 'deploy_signal_transport',
    'deploy_queue_id', 'deploy_region_name', 'heat_outputs_path')


def _running_test(directories):
    """A shell condition true while any execution of ``directories``
    still has a live wrapper."""
    q = shlex.quote
    return '\n'.join([
        'running() {',
        '  for d in %s; do' % ' '.join(q(d) for d in directories),
        '    [ -e "$d/exit_code" ] && continue',
        '    pid=$(cat "$d/pid" 2>/dev/null)',
        '    case "$pid" in ""|*[!0-9]*) continue ;; esac',
        '    kill -0 "$pid" 2>/dev/null && return 0',
        '  done',
        '  return 1',
        '}',
    ])


def _procs_test(directories):
    """A shell condition true while any process of the executions'
    sessions is left (what a kill waits for)."""
    q = shlex.quote
    return '\n'.join([
        'left() {',
        '  for d in %s; do' % ' '.join(q(d) for d in directories),
        '    pid=$(cat "$d/pid" 2>/dev/null)',
        '    case "$pid" in ""|*[!0-9]*) continue ;; esac',
        '    [ "$(ps -o stat= -s "$pid" 2>/dev/null | grep -cv "^Z")" '
        '-gt 0 ] && return 0',
        '  done',
        '  return 1',
        '}',
    ])


def _head(deployment_id, title):
    outputs = '"${heat_outputs_path:-/tmp/heat-savanna-job}.%s"' % \
        LOOK_OUTPUT
    return [
        '#!/bin/bash',
        '# heat-savanna: %s' % title.replace('\n', ' '),
        'look_file=%s' % outputs,
        # the signal credentials are the agent's business, not the job's
        'unset %s' % ' '.join(DEPLOY_VARIABLES),
        'deployment=%s' % shlex.quote(deployment_id),
    ]


def _tail(directories, window):
    lines = [_running_test(directories),
             't=$((SECONDS + %d))' % int(max(window, 0)),
             'while running && [ "$SECONDS" -lt "$t" ]; do sleep 2; done',
             '{',
             '  echo "%s $deployment"' % DEPLOYMENT_TAG,
             jobs.probe_command(directories).rstrip('\n'),
             '} > "$look_file"',
             'cat "$look_file"',
             'exit 0']
    return lines


def launch_script(deployment_id, launches, directories, window,
                  title='job execution'):
    """The script that launches ``launches`` (``[(directory, files,
    owner)]``, files as :func:`~heat_savanna.provisioning.jobs.
    launch`'s), then waits and looks at ``directories`` (those launched
    and any others to look at)."""
    lines = _head(deployment_id, title)
    for directory, files, owner in launches:
        payload = base64.b64encode(jobs.files_tar(files)).decode()
        lines += [
            'base64 -d > /tmp/heat-savanna-launch.$$ <<\'SAVANNA_EOF\'',
            payload,
            'SAVANNA_EOF',
            'sh -c %s < /tmp/heat-savanna-launch.$$ || '
            'echo "heat-savanna: a launch failed" >&2'
            % shlex.quote(jobs.launch_command(directory, owner)),
            'rm -f /tmp/heat-savanna-launch.$$',
        ]
    return '\n'.join(lines + _tail(directories, window)) + '\n'


def kill_script(deployment_id, directories, remove=(),
                grace=jobs.KILL_GRACE, title='job stop'):
    """The script that stops the executions of ``directories`` (TERM, then
    KILL after ``grace`` seconds), waits until none of their processes is
    left, removes the directories ``remove`` (a deleted job's), and
    looks."""
    lines = _head(deployment_id, title)
    if directories:
        lines += [jobs.kill_command(directories, grace).rstrip('\n')
                  .replace('\nexit 0', ''),
                  _procs_test(directories),
                  't=$((SECONDS + %d))' % (int(grace) + 5),
                  'while left && [ "$SECONDS" -lt "$t" ]; do sleep 1; done',
                  jobs.force_kill_command(directories).rstrip('\n')
                  .replace('\nexit 0', ''),
                  't=$((SECONDS + 30))',
                  'while left && [ "$SECONDS" -lt "$t" ]; do sleep 1; done']
    for directory in remove:
        lines.append(jobs.remove_command(directory))
    return '\n'.join(lines + _tail(directories, 0)) + '\n'


def read_look(text):
    """``(deployment id, {directory: Probe})`` of a ``look`` output
    (``(None, {})`` if it names no deployment)."""
    first, _sep, _rest = (text or '').partition('\n')
    tag, _sep, deployment_id = first.strip().partition(' ')
    if tag != DEPLOYMENT_TAG or not deployment_id:
        return None, {}
    return deployment_id.strip(), jobs.parse_probe(text)
