"""Heat 27 from the venv: schema, heat-engine, heat-wsgi-api and
heat-wsgi-api-cfn.

Convergence engine on MariaDB (the production pairing), RPC over the
sandbox's RabbitMQ, our plugin loaded from the checkout's contrib/heat
(Heat reads resource types only from plugin_dirs). The CloudFormation API
serves the pre-signed signal URLs (EC2-signed, checked against Keystone's
ec2tokens), e.g. OS::Savanna::Job's ``signal_url``.
"""

import datetime
import os

from savanna_sandbox import paths
from savanna_sandbox import procs
from savanna_sandbox import services
from savanna_sandbox.services import keystone
from savanna_sandbox.services import mariadb
from savanna_sandbox.services import rabbitmq

API_URL = 'http://%s:%d' % (paths.HOST, paths.PORTS['heat-api'])
CFN_PORT = 8000
CFN_URL = 'http://%s:%d' % (paths.HOST, CFN_PORT)


def conf_path(layout, name='heat'):
    return layout.path('heat', name + '.conf')


#: Imports the shim the way Heat's plugin loader does (by file path).
_PLUGIN_CHECK = """
import glob, importlib.util, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.py'))):
    name = 'heat.engine.plugins.' + os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert hasattr(module, 'resource_mapping') or hasattr(
        module, 'available_resource_mapping'), path
"""


def plugin_problem(plugin_dir):
    """None if Heat can import every module of ``plugin_dir``, else why.

    An ImportError there stops heat-engine; checking first lets the
    sandbox say so plainly instead of showing a dead engine.
    """
    import subprocess
    import sys
    if not os.path.isdir(plugin_dir):
        return 'plugin dir %s does not exist' % plugin_dir
    result = subprocess.run([sys.executable, '-c', _PLUGIN_CHECK,
                             plugin_dir], capture_output=True, text=True,
                            timeout=120)
    if result.returncode == 0:
        return None
    lines = [x for x in result.stderr.strip().splitlines() if x.strip()]
    return lines[-1] if lines else 'exit %d' % result.returncode


#: Environment variables that set, for one sandbox run, what a benchmark
#: compares: heat-engine's worker processes, the plugin's node set size and
#: how many node sets of a cluster Heat builds at once.
ENGINE_WORKERS_ENV = 'HEAT_SAVANNA_SANDBOX_ENGINE_WORKERS'
NODE_SET_SIZE_ENV = 'HEAT_SAVANNA_SANDBOX_NODE_SET_SIZE'
CONCURRENT_SETS_ENV = 'HEAT_SAVANNA_SANDBOX_MAX_CONCURRENT_NODE_SETS'
DEFAULT_ENGINE_WORKERS = 2
#: [savanna] options the sandbox always sets, as an operator tunes them to
#: a cloud: its agents poll Heat every 10 s and boot in seconds, so a node
#: whose agent is silent (its server died) is given up after 90 s beyond
#: its script's own limits, not the 300 s a slower cloud needs
SANDBOX_OPTIONS = {'agent_signal_allowance': 90,
                   'agent_running_allowance': 30}


def _whole(environ, name, least=1):
    text = (environ.get(name) or '').strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if value < least:
        raise ValueError('%s must be a whole number >= %d, not %r'
                         % (name, least, text))
    return value


def run_settings(environ=None):
    """``(num_engine_workers, {[savanna] option: value})`` for heat.conf,
    from the environment (an option not set: the plugin's own default
    applies)."""
    environ = os.environ if environ is None else environ
    workers = _whole(environ, ENGINE_WORKERS_ENV)
    savanna = {'node_set_size': _whole(environ, NODE_SET_SIZE_ENV),
               'max_concurrent_node_sets':
                   _whole(environ, CONCURRENT_SETS_ENV, least=0)}
    return (workers or DEFAULT_ENGINE_WORKERS,
            {k: v for k, v in savanna.items() if v is not None})


def render_conf(layout, secrets, plugin_dir=None, environ=None):
    """heat.conf for the sandbox (holds secrets: written mode 0600).

    ``environ`` (default os.environ) may set num_engine_workers and the
    plugin's ``[savanna] node_set_size`` and ``max_concurrent_node_sets``
    for this run: see :func:`run_settings`; :data:`SANDBOX_OPTIONS` are
    always set.
    """
    etc = paths.heat_etc()
    workers, options = run_settings(environ)
    options = dict(SANDBOX_OPTIONS, **options)
    savanna = ['[savanna]'] + ['%s = %d' % kv
                               for kv in sorted(options.items())] + ['']
    plugin_dir = plugin_dir or paths.heat_plugin_dir()
    auth = [
        'auth_type = password',
        'auth_url = %s' % keystone.AUTH_URL,
        'username = heat',
        'password = %s' % secrets['heat'],
        'user_domain_name = Default',
    ]
    return '\n'.join([
        '[DEFAULT]',
        'debug = false',
        'use_stderr = true',
        'host = sandbox',
        'transport_url = %s' % rabbitmq.transport_url(secrets),
        'convergence_engine = true',
        'num_engine_workers = %d' % workers,
        # Heat retries a failed resource action (a server gone to ERROR, a
        # 409) 5 times with backoff by default; the sandbox's injected
        # faults are permanent, so each retry only adds time (about a
        # minute per faulted row). One retry still exercises the path.
        'action_retry_limit = 1',
        'plugin_dirs = %s' % plugin_dir,
        'environment_dir = %s' % os.path.join(etc, 'environment.d'),
        'template_dir = %s' % os.path.join(etc, 'templates'),
        'heat_metadata_server_url = %s' % CFN_URL,
        'heat_waitcondition_server_url = %s/v1/waitcondition' % CFN_URL,
        'region_name_for_services = %s' % paths.REGION,
        'stack_user_domain_name = heat',
        'stack_domain_admin = heat_domain_admin',
        'stack_domain_admin_password = %s' % secrets['heat_domain_admin'],
        'auth_encryption_key = %s' % secrets['auth_encryption_key'],
        'deferred_auth_method = trusts',
        'graceful_shutdown_timeout = 5',
        '',
        '[database]',
        'connection = %s' % mariadb.url(secrets, 'heat'),
        'max_pool_size = 10',
        'max_overflow = 20',
        '',
        '[keystone_authtoken]',
        'www_authenticate_uri = %s' % keystone.AUTH_URL,
        'project_name = service',
        'project_domain_name = Default',
        'service_token_roles_required = true',
    ] + auth + [
        '',
        '[trustee]',
    ] + auth + [
        '',
        '[clients_keystone]',
        'auth_uri = %s' % keystone.URL,
        '',
        '[ec2authtoken]',
        '# Keystone checks the signature of a pre-signed URL (ec2tokens);',
        '# Heat appends /v3/ec2tokens to this endpoint.',
        'endpoint_override = %s' % keystone.URL,
    ] + auth + [
        'project_name = service',
        'project_domain_name = Default',
        '',
        '[clients]',
        'endpoint_type = publicURL',
        '',
        '[paste_deploy]',
        'api_paste_config = %s' % os.path.join(etc, 'api-paste.ini'),
        '',
        '[oslo_messaging_notifications]',
        'driver = noop',
        '',
        '[oslo_policy]',
        '# Heat\'s and Keystone\'s default policies, unchanged.',
        '',
    ] + savanna)


class _HeatPart(services.Part):
    hint = ('read the log above; `heat-savanna sandbox logs heat-engine` '
            'shows Heat\'s own messages (plugin import errors land there)')

    @property
    def conf(self):
        return conf_path(self.layout, self.name)

    def plugin_dir(self):
        return paths.heat_plugin_dir()

    def available(self):
        for tool in ('heat-engine', 'heat-manage', 'heat-wsgi-api'):
            if not os.path.exists(paths.venv_tool(tool)):
                return '%s not in %s' % (tool, paths.venv_bin())
        return None

    def prepare(self):
        self.layout.dir('heat')
        paths.write_private(self.conf, render_conf(
            self.layout, self.secrets, self.plugin_dir()))


class HeatDB(_HeatPart):
    """``heat-manage db_sync`` (once; stamped)."""

    name = 'heat-db'
    deps = ('mariadb',)
    daemon = False

    @property
    def stamp(self):
        return self.layout.path('heat', 'db_synced')

    def done(self):
        return os.path.exists(self.stamp)

    def run_step(self):
        self.prepare()
        self.run([paths.venv_tool('heat-manage'), '--config-file',
                  self.conf, 'db_sync'])
        open(self.stamp, 'w').close()


class HeatEngine(_HeatPart):
    name = 'heat-engine'
    deps = ('heat-db', 'rabbitmq', 'identity')
    timeout = 120

    def plugin_dir(self):
        """contrib/heat, or an empty dir if our plugin cannot be imported.

        Set HEAT_SAVANNA_SANDBOX_STRICT_PLUGIN=1 to fail instead.
        """
        wanted = paths.heat_plugin_dir()
        problem = plugin_problem(wanted)
        status = self.layout.path('heat', 'plugin-status')
        with open(status, 'w') as f:
            f.write('loaded from %s' % wanted if problem is None else
                    'NOT loaded: %s' % problem)
        if problem is None:
            return wanted
        if os.environ.get('HEAT_SAVANNA_SANDBOX_STRICT_PLUGIN') == '1':
            raise self.fail('Heat cannot import our plugin from %s: %s'
                            % (wanted, problem))
        self.ctx.say('  %-12s WARNING: OS::Savanna::Cluster NOT loaded '
                     '(%s); Heat starts without it' % (self.name, problem))
        return self.layout.dir('heat', 'no-plugins')

    def argv(self):
        return [paths.venv_tool('heat-engine'), '--config-file', self.conf]

    def ready(self):
        """Ready once an engine reported itself in Heat's service table."""
        rec = self.ctx.supervisor.record(self.name) or {}
        since = datetime.datetime.fromtimestamp(
            rec.get('started', 0) - 5, datetime.timezone.utc
        ).replace(tzinfo=None)
        try:
            import pymysql
            conn = pymysql.connect(
                host=paths.HOST, port=paths.PORTS['mariadb'], user='heat',
                password=self.secrets['db_heat'], database='heat',
                connect_timeout=3)
        except Exception:
            return False
        try:
            with conn.cursor() as cur:
                cur.execute('SELECT COUNT(*) FROM service WHERE '
                            'deleted_at IS NULL AND '
                            'COALESCE(updated_at, created_at) >= %s',
                            (since,))
                return cur.fetchone()[0] > 0
        except Exception:
            return False
        finally:
            conn.close()


class HeatApi(_HeatPart):
    name = 'heat-api'
    deps = ('heat-db', 'rabbitmq', 'identity')
    port = paths.PORTS['heat-api']
    timeout = 90

    def argv(self):
        return [paths.venv_tool('heat-wsgi-api'), '--host', paths.HOST,
                '--port', str(self.port), '--', '--config-file', self.conf]

    def ready(self):
        status = procs.http_status(API_URL + '/')
        return status is not None and status < 500


class HeatApiCfn(_HeatPart):
    """The CloudFormation-compatible API: pre-signed signal URLs."""

    name = 'heat-api-cfn'
    deps = ('heat-db', 'rabbitmq', 'identity')
    port = CFN_PORT
    timeout = 90

    def available(self):
        tool = paths.venv_tool('heat-wsgi-api-cfn')
        if not os.path.exists(tool):
            return '%s not in %s' % (os.path.basename(tool), paths.venv_bin())
        return None

    def argv(self):
        return [paths.venv_tool('heat-wsgi-api-cfn'), '--host', paths.HOST,
                '--port', str(self.port), '--', '--config-file', self.conf]

    def ready(self):
        status = procs.http_status(CFN_URL + '/')
        return status is not None and status < 500
