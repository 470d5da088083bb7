"""Heat 27's own resource code (in-process, legacy engine, sqlite) creating
and deleting real OS::Nova/Neutron/Cinder resources on the simulator.

This is the proof that the shapes are right for what Heat actually calls:
constraints (flavor, image, network, keypair), microversion negotiation,
server-group policies, port and server status polling, volume attachment
state machine, floating IP association, and deletion checks.
"""

import os
import sys

import pytest
from keystoneauth1 import plugin as ks_plugin
from oslo_config import cfg

from tests.unit.sandbox.cloud import helpers
from tests.unit.sandbox.cloud.conftest import PROJECT

HEAT_ETC = os.path.join(sys.prefix, 'etc', 'heat')

heat_config = pytest.importorskip('heat.common.config')
cfg.CONF.set_default('environment_dir', os.path.join(HEAT_ETC,
                                                     'environment.d'))
cfg.CONF.set_default('template_dir', os.path.join(HEAT_ETC, 'templates'))

from heat.common import messaging  # noqa: E402
from heat.common import template_format  # noqa: E402
from heat.engine import resources  # noqa: E402
from heat.engine import stack as heat_stack  # noqa: E402
from heat.engine import template  # noqa: E402
from heat.engine import environment  # noqa: E402
from heat.tests import utils as heat_utils  # noqa: E402

TEMPLATE = '''
heat_template_version: 2021-04-16
parameters:
  public_key: {type: string}
resources:
  key:
    type: OS::Nova::KeyPair
    properties: {name: heat-sim-key, public_key: {get_param: public_key}}
  group:
    type: OS::Nova::ServerGroup
    properties: {name: heat-sim-group, policies: [anti-affinity]}
  secgroup:
    type: OS::Neutron::SecurityGroup
    properties:
      rules:
        - {protocol: tcp, port_range_min: 22, port_range_max: 22}
        - {protocol: tcp, remote_mode: remote_group_id}
  port:
    type: OS::Neutron::Port
    properties:
      network: private
      security_groups: [{get_resource: secgroup}]
  server:
    type: OS::Nova::Server
    properties:
      name: heat-sim-node-0
      image: spark-4.3
      flavor: m1.small
      key_name: {get_resource: key}
      user_data_format: RAW
      networks: [{port: {get_resource: port}}]
      scheduler_hints: {group: {get_resource: group}}
  second:
    type: OS::Nova::Server
    properties:
      image: cirros
      flavor: m1.tiny
      key_name: {get_resource: key}
      user_data_format: RAW
      networks: [{network: private}]
  volume:
    type: OS::Cinder::Volume
    properties: {size: 1, volume_type: standard}
  attachment:
    type: OS::Cinder::VolumeAttachment
    properties:
      instance_uuid: {get_resource: server}
      volume_id: {get_resource: volume}
  fip:
    type: OS::Neutron::FloatingIP
    properties:
      floating_network: public
      port_id: {get_resource: port}
outputs:
  address: {value: {get_attr: [server, networks, private, 0]}}
  networks: {value: {get_attr: [server, networks]}}
  fip: {value: {get_attr: [fip, floating_ip_address]}}
  console: {value: {get_attr: [server, console_urls]}}
'''


class SimAuth(ks_plugin.BaseAuthPlugin):
    """A keystoneauth plugin whose catalog is the simulator's endpoints."""

    def __init__(self, urls):
        super().__init__()
        self.urls = urls

    def get_token(self, session, **kwargs):
        return 'sim-token'

    def get_endpoint(self, session, service_type=None, **kwargs):
        url = self.urls.get(service_type)
        return url % {'project_id': PROJECT} if url else None

    def get_project_id(self, session, **kwargs):
        return PROJECT

    def get_user_id(self, session, **kwargs):
        return 'sandbox-user'


@pytest.fixture(scope='module')
def heat_db():
    resources.initialise()
    heat_utils.setup_dummy_db()
    messaging.setup('fake://', optional=True)
    # No Keystone here: no trusts; the context carries the simulator auth.
    cfg.CONF.set_override('deferred_auth_method', 'password')
    yield
    cfg.CONF.clear_override('deferred_auth_method')


def _stack(sim, public_key):
    ctx = heat_utils.dummy_context(tenant_id=PROJECT)
    ctx._auth_plugin = SimAuth(sim.urls())
    tmpl = template.Template(template_format.parse(TEMPLATE),
                             env=environment.Environment(
                                 {'public_key': public_key}))
    tmpl.store(ctx)
    stk = heat_stack.Stack(ctx, 'sim-stack', tmpl, timeout_mins=3)
    stk.store()
    return stk


@pytest.mark.slow
def test_heat_creates_and_deletes_real_resources(sim, heat_db):
    private, public = helpers.new_key()
    stk = _stack(sim, public)
    stk.validate()
    stk.create()
    assert stk.state == (stk.CREATE, stk.COMPLETE), stk.status_reason
    networks = stk['server'].FnGetAtt('networks')
    address = networks['private'][0]
    assert address.startswith('127.0.110.')
    assert helpers.ssh_run(address, private, 'echo heat') == 'heat'
    fip = stk['fip'].FnGetAtt('floating_ip_address')
    assert helpers.ssh_run(fip, private, 'echo fip') == 'fip'
    live = helpers.admin(sim, 'GET', '/inventory')['live']
    assert len(live['servers']) == 2
    assert len(live['attachments']) == 1
    stk.delete()
    assert stk.state == (stk.DELETE, stk.COMPLETE), stk.status_reason
    sim.wait_idle()
    helpers.wait_for(lambda: helpers.admin(sim, 'GET', '/inventory')[
        'empty'], what='empty inventory')
