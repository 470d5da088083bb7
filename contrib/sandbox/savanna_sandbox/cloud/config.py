"""The simulator's configuration: defaults, and loading from JSON or INI.

One dict, so the platform code can write it as JSON and tests can build it
in Python. ``load(path)`` merges a file over ``defaults()``.

JSON: the same structure as ``defaults()`` (any subset of keys).

INI (for hand-written files)::

    [cloud]
    bind_host = 127.0.0.1
    state_dir = /var/lib/savanna-sandbox/cloud
    hypervisors = 4                 ; a count or a comma separated list
    seed = 0
    ports = compute:8774, volumev3:8776, network:9696, image:9292, admin:8799

    [auth]
    strategy = keystone             ; or noauth
    auth_url = http://127.0.0.1:5000/v3
    username = cloudsim
    password = ...
    project_name = service

    [network:private]
    cidr = 127.0.10.0/23
    external = false

    [image:spark-4.3]
    user = savanna
    binds = /opt/spark=/path/to/pyspark

    [image:spark-4.3-agent]
    binds = /opt/spark=/path/to/pyspark
    agent = true                    ; boots a Heat agent, no sshd
"""

import configparser
import copy
import importlib.util
import json
import os

from savanna_sandbox.cloud import HOST
from savanna_sandbox.cloud import PORTS


def _pyspark_dir():
    """Where the venv's pyspark lives: the 'spark-4.3' image's /opt/spark."""
    try:
        spec = importlib.util.find_spec('pyspark')
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def defaults():
    """A fresh copy of the default configuration."""
    spark_binds = {}
    pyspark = _pyspark_dir()
    if pyspark:
        spark_binds['/opt/spark'] = pyspark
    return {
        'bind_host': HOST,
        'ports': dict(PORTS),
        'auth': {
            'strategy': 'keystone',
            'auth_url': 'http://127.0.0.1:5000/v3',
            'username': 'cloudsim',
            'password': '',
            'project_name': 'service',
            'user_domain_name': 'Default',
            'project_domain_name': 'Default',
        },
        # The project used when auth is off and the request names none.
        'noauth_project_id': 'sandbox',
        'state_dir': '/tmp/savanna-cloudsim',
        'seed': 0,
        'hypervisors': 4,
        'region': 'RegionOne',
        'availability_zone': 'nova',
        # How long a volume stays 'creating' / 'attaching' / 'detaching'.
        'volume_delay': 0.2,
        # How long a boot may wait for sshd to answer before ERROR.
        'boot_timeout': 60.0,
        # The agent image's directory (see savanna_sandbox.agentimage);
        # None: <state_dir>/agent-image.
        'agent_image': None,
        # os-collect-config's longest pause between two polls of Heat.
        'agent_polling_interval': 10,
        # Ports forwarded from a floating IP to the server's fixed IP.
        'forward_ports': [22, 4040, 7077, 8080, 8081, 8088, 9870, 18080,
                          19888],
        'networks': {
            'private': {'cidr': '127.0.10.0/23', 'external': False},
            'public': {'cidr': '127.0.20.0/24', 'external': True},
        },
        'flavors': {
            'm1.tiny': {'id': '1', 'vcpus': 1, 'ram': 512, 'disk': 1},
            'm1.small': {'id': '2', 'vcpus': 1, 'ram': 2048, 'disk': 20},
            'm1.medium': {'id': '3', 'vcpus': 2, 'ram': 4096, 'disk': 40},
            'm1.large': {'id': '4', 'vcpus': 4, 'ram': 8192, 'disk': 80},
        },
        'images': {
            'spark-4.3': {'user': 'savanna', 'binds': spark_binds,
                          'properties': {'savanna_plugin': 'spark',
                                         'savanna_version': '4.3'}},
            # the same Spark, and the Heat agent instead of sshd: for
            # clusters with transport heat-agent
            'spark-4.3-agent': {'user': 'savanna', 'binds': spark_binds,
                                'agent': True,
                                'properties': {'savanna_plugin': 'spark',
                                               'savanna_version': '4.3',
                                               'savanna_transport':
                                                   'heat-agent'}},
            'hadoop-3.4': {'user': 'savanna', 'binds': {},
                           'properties': {'savanna_plugin': 'vanilla',
                                          'savanna_version': '3.4'}},
            'cirros': {'user': 'cirros', 'binds': {}, 'properties': {}},
        },
        'volume_types': ['standard', 'ssd'],
    }


def merge(base, override):
    """Recursively merge ``override`` into a copy of ``base``."""
    result = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict) \
                and key not in ('networks', 'images', 'flavors'):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _bool(text):
    return str(text).strip().lower() in ('1', 'true', 'yes', 'on')


def _pairs(text, sep):
    """'a:1, b:2' -> {'a': '1', 'b': '2'}."""
    result = {}
    for item in (text or '').split(','):
        item = item.strip()
        if item:
            key, _, value = item.partition(sep)
            result[key.strip()] = value.strip()
    return result


def _from_ini(text):
    parser = configparser.ConfigParser()
    parser.read_string(text)
    conf = {}
    if parser.has_section('cloud'):
        sec = parser['cloud']
        for key in ('bind_host', 'state_dir', 'noauth_project_id',
                    'region', 'availability_zone'):
            if key in sec:
                conf[key] = sec[key]
        for key in ('volume_delay', 'boot_timeout'):
            if key in sec:
                conf[key] = float(sec[key])
        if 'seed' in sec:
            conf['seed'] = int(sec['seed'])
        if 'hypervisors' in sec:
            value = sec['hypervisors'].strip()
            conf['hypervisors'] = (int(value) if value.isdigit() else
                                   [v.strip() for v in value.split(',')])
        if 'ports' in sec:
            conf['ports'] = {k: int(v) for k, v in
                             _pairs(sec['ports'], ':').items()}
        if 'forward_ports' in sec:
            conf['forward_ports'] = [int(p) for p in
                                     sec['forward_ports'].split(',')]
        if 'volume_types' in sec:
            conf['volume_types'] = [v.strip() for v in
                                    sec['volume_types'].split(',')]
    if parser.has_section('auth'):
        conf['auth'] = dict(parser['auth'])
    for section in parser.sections():
        kind, _, name = section.partition(':')
        sec = parser[section]
        if kind == 'network':
            conf.setdefault('networks', {})[name] = {
                'cidr': sec['cidr'],
                'external': _bool(sec.get('external', 'false'))}
        elif kind == 'image':
            props = {k[len('property.'):]: v for k, v in sec.items()
                     if k.startswith('property.')}
            conf.setdefault('images', {})[name] = {
                'user': sec.get('user', 'savanna'),
                'binds': _pairs(sec.get('binds', ''), '='),
                'agent': _bool(sec.get('agent', 'false')),
                'properties': props}
        elif kind == 'flavor':
            conf.setdefault('flavors', {})[name] = {
                'id': sec.get('id', name), 'vcpus': int(sec['vcpus']),
                'ram': int(sec['ram']), 'disk': int(sec['disk'])}
    return conf


def load(path):
    """Read ``path`` (JSON or INI) and merge it over the defaults."""
    with open(path) as f:
        text = f.read()
    if path.endswith('.json') or text.lstrip().startswith('{'):
        override = json.loads(text)
    else:
        override = _from_ini(text)
    conf = merge(defaults(), override)
    # Networks/images/flavors replace the defaults only when given.
    return conf


def hypervisor_names(conf):
    """The configured hypervisors as a list of host names."""
    value = conf.get('hypervisors', 4)
    if isinstance(value, int):
        return ['sim-hv-%d' % (i + 1) for i in range(value)]
    return list(value)


def state_dir(conf):
    path = conf['state_dir']
    os.makedirs(path, exist_ok=True)
    return path
