"""OS::Savanna::Job on Heat's in-process harness, against a real master:
what the job's test modules share.

The cluster resource is the real class with its nested-stack work stubbed
(that needs a running engine: the functional tier proves it); its
``access()`` hands out a real sshd host as the master, so every execution
is a real detached process launched, looked at and killed over SSH.
"""

import copy
import os
import time
import types
from unittest import mock

from oslo_config import cfg

from heat.common import template_format
from heat.engine.clients.os import glance
from heat.engine.clients.os.neutron import neutron_constraints
from heat.engine.clients.os import nova
from heat.engine import scheduler
from heat.engine import stack as parser
from heat.engine import stk_defn
from heat.tests import common
from heat.tests import utils

from heat_savanna import plugins
from heat_savanna.plugins import base as plugin_base
from heat_savanna.provisioning import jobs
from heat_savanna.resources import access as access_mod
from heat_savanna.resources import cluster
from heat_savanna.resources import job as job_mod
from tests.unit.remote import sshhosts

CLUSTER = {
    'type': 'OS::Savanna::Cluster',
    'properties': {
        'plugin_name': 'spark', 'plugin_version': '4.3.0',
        'image': 'spark-4.3', 'flavor': 'm1.small',
        'management_network': 'private',
        'node_groups': [{'name': 'master', 'count': 1,
                         'node_processes': ['master']},
                        {'name': 'worker', 'count': 1,
                         'node_processes': ['worker']}]}}

JOB = {
    'type': 'OS::Savanna::Job',
    'properties': {
        'cluster': {'get_resource': 'cluster'},
        'type': 'shell',
        'main': {'inline': 'echo "hello $1"; sleep ${PAUSE:-0}; '
                           '[ "${CODE:-0}" = 0 ] || '
                           'echo "giving up with $CODE" >&2; '
                           'exit ${CODE:-0}\n'},
        'args': ['world'],
        'configs': {'CODE': 0}}}


def spark_access(address, server_id=None, **ssh):
    """The ClusterAccess of an ACTIVE Spark cluster whose only node,
    master-0, is at ``address``; ``ssh``: the access's ssh_user,
    private_key and host_keys."""
    node = plugin_base.NodeInfo(
        name='master-0', group='master', processes=('master',),
        management_ip=address, internal_ip=address, server_id=server_id)
    info = plugin_base.ClusterInfo(
        name='c', plugin_name='spark', plugin_version='4.3.0',
        cluster_configs={}, nodes=(node,))
    return access_mod.ClusterAccess(
        spec=types.SimpleNamespace(plugin_version='4.3.0', name='c'),
        plugin=plugins.get_plugin('spark'), info=info, status='ACTIVE',
        **ssh)


def template(**job_props):
    job = copy.deepcopy(JOB)
    job['properties'].update(job_props)
    return {'heat_template_version': '2021-04-16',
            'resources': {'cluster': copy.deepcopy(CLUSTER), 'job': job}}


class EngineDied(BaseException):
    """Stands for heat-engine being killed: nothing in Heat catches it."""


@sshhosts.requires_sshd
class JobTestCase(common.HeatTestCase):
    """A stack of a cluster and a job whose master is a real sshd host."""

    def setUp(self):
        super(JobTestCase, self).setUp()
        # real time between Heat's polls, as in an engine
        scheduler.ENABLE_SLEEP = True
        cfg.CONF.set_override('provisioning_poll_interval', 0.2,
                              group='savanna')
        cfg.CONF.set_override('heat_waitcondition_server_url',
                              'http://127.0.0.1:8000/v1/waitcondition')
        # in-process stacks run Heat's legacy path, which stores each
        # stack state it sets (a convergence stack's are written by the
        # traversal's own bookkeeping, absent here)
        cfg.CONF.set_override('convergence_engine', False)
        for constraint in (glance.ImageConstraint, nova.FlavorConstraint,
                           neutron_constraints.NetworkConstraint):
            self.patchobject(constraint, 'validate', return_value=True)
        for cls in (cluster.SavannaCluster, job_mod.SavannaJob):
            schema = cls.attributes_schema
            saved = dict(schema)
            self.addCleanup(lambda s=schema, v=saved: (s.clear(),
                                                       s.update(v)))
        self.stub_keystoneclient(access='anaccesskey', secret='verysecret',
                                 credential_id='cred')
        self.hosts = sshhosts.HostFactory()
        self.addCleanup(self.hosts.cleanup)
        self.master = self.hosts.host('master-0')
        self.node = self.hosts.remote(self.master)
        self.addCleanup(self.node.close)
        self.access = self._access()
        self._stub_cluster()

    def _access(self):
        host = self.master
        return spark_access(host.address, ssh_user=sshhosts.USER,
                            private_key=self.hosts.private,
                            host_keys={'master-0': remote_pins(host)})

    def _stub_cluster(self):
        cls = cluster.SavannaCluster

        def create(rsrc):
            rsrc.resource_id_set('nested-stack-id')
        for name, value in (('validate', None), ('handle_delete', None),
                            ('check_create_complete', True),
                            ('check_delete_complete', True),
                            ('handle_update', None),
                            ('check_update_complete', True)):
            self.patchobject(cls, name, return_value=value)
        self.patchobject(cls, 'handle_create', autospec=True,
                         side_effect=create)
        self.access_mock = self.patchobject(cls, 'access',
                                            return_value=self.access)

    # -- helpers ---------------------------------------------------------
    def create(self, tpl):
        stack = utils.parse_stack(template_format.parse(str(tpl)) if
                                  isinstance(tpl, str) else tpl)
        stack.create()
        return stack

    def reload(self, stack):
        return parser.Stack.load(stack.context, stack_id=stack.id)

    def attrs(self, stack, *names):
        fresh = self.reload(stack)     # a resource keeps a weak reference
        rsrc = fresh['job']
        return {n: rsrc.FnGetAtt(n) for n in names}

    def signal(self, stack, data):
        fresh = self.reload(stack)
        return fresh['job'].signal(data)

    def wait_for(self, stack, cond, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            execs = self.attrs(stack, 'executions')['executions']
            if cond(execs):
                return execs
            self.assertLess(time.monotonic(), deadline, execs)
            time.sleep(0.3)

    def session_processes(self, directory):
        look = jobs.probe(self.node, [directory])[directory]
        return look.running_processes if look.exists else 0

    # -- an engine that went away ---------------------------------------------
    def _interrupted_create(self, tpl, die_in):
        stack = utils.parse_stack(tpl)
        stack.store()
        cluster_rsrc = stack['cluster']
        scheduler.TaskRunner(cluster_rsrc.create)()
        # as Stack.create does after each resource: the job's get_resource
        # now resolves to the cluster's reference id
        stk_defn.update_resource_data(stack.defn, 'cluster',
                                      cluster_rsrc.node_data())
        with mock.patch.object(*die_in, side_effect=EngineDied):
            self.assertRaises(EngineDied,
                              scheduler.TaskRunner(stack['job'].create))
        # A killed engine leaves the resource IN_PROGRESS (here Heat's
        # own BaseException handler marks it "aborted" first); the stack
        # is marked FAILED, and a new traversal that finds the dead
        # engine's lock marks the resource so:
        stack = self.reload(stack)
        rsrc = stack['job']
        self.assertEqual(rsrc.CREATE, rsrc.action)
        rsrc.state_set(rsrc.CREATE, rsrc.FAILED,
                       'Worker went down during resource CREATE')
        stack.state_set(stack.CREATE, stack.FAILED,
                        'Engine went down during stack CREATE')
        return stack

    def _update_existing(self, stack):
        """``stack update --existing``: the same template again (on the
        stack object that knows its state: the legacy path stores a CREATE
        state only when the stack lock is released)."""
        same = parser.Stack(stack.context, stack.name,
                            stack.t.__class__(copy.deepcopy(stack.t.t)))
        stack.update(same)
        return stack


def remote_pins(host):
    from heat_savanna import remote
    return remote.parse_console_host_keys(host.console_output())


def sshhosts_processes_with(text):
    """Pids on this machine whose command line mentions ``text``."""
    found = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found
