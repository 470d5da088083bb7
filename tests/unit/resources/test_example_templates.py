"""Every example template in contrib/templates passes Heat's validation
with its default parameters, as a stack create would validate it (the
cloud's images, flavors, networks and keypairs taken as existing)."""

import glob
import os

from heat.common import template_format
from heat.tests import common
from heat.tests import utils

from heat_savanna.resources import cluster
from tests.unit.resources import harness

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, 'contrib', 'templates',
                                         '*.yaml')))


class ExampleTemplatesTest(common.HeatTestCase):

    def setUp(self):
        super(ExampleTemplatesTest, self).setUp()
        harness.stub_cloud_lookups(self)
        self.patchobject(cluster.SavannaCluster, 'validate_nested_stack')

    def test_there_are_examples(self):
        names = {os.path.basename(p) for p in EXAMPLES}
        self.assertTrue({'spark-cluster.yaml', 'hadoop-cluster.yaml',
                         'spark-agent.yaml'} <= names, names)

    def test_every_example_validates_with_its_defaults(self):
        for path in EXAMPLES:
            with open(path) as f:
                parsed = template_format.parse(f.read())
            name = os.path.basename(path)[:-len('.yaml')]
            stack = utils.parse_stack(parsed, stack_name=name)
            try:
                stack.validate()
            except Exception as exc:
                self.fail('%s: %s' % (os.path.basename(path), exc))


# -- what the examples open to the world --------------------------------------
#: ports whose services run code for whoever reaches them (YARN's REST API
#: on the resourcemanager's web port; Spark's REST submission and master)
CODE_PORTS = (8088, 6066, 7077)
WORLD = ('0.0.0.0/0', '::/0')


def readme_cluster():
    """The cluster of README.rst's first YAML block, as a template."""
    import textwrap
    import yaml
    with open(os.path.join(ROOT, 'README.rst')) as f:
        text = f.read()
    block = text.split('.. code-block:: yaml', 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line and not line.startswith(' '):
            break
        lines.append(line)
    body = yaml.safe_load(textwrap.dedent('\n'.join(lines)))
    return dict(body, heat_template_version='2021-04-16')


def security_groups(template_text, parameters=None):
    """``{cluster: its security group's properties}`` as heat-savanna
    render makes them (the same generator as the engine's)."""
    from heat_savanna import cli
    specs, messages = cli.check_text(template_text, parameters or {})
    assert not messages, messages
    return {name: cli.render_spec(spec)[0]['resources']['security-group'][
        'properties'] for name, spec in specs}


def world_open(rule, port):
    low, high = rule.get('port_range_min'), rule.get('port_range_max')
    return rule.get('remote_ip_prefix') in WORLD and low is not None and \
        low <= port <= high


def test_no_example_opens_a_code_port_to_the_world():
    import json
    texts = {os.path.basename(p): open(p).read() for p in EXAMPLES}
    texts['README.rst'] = json.dumps(readme_cluster())
    seen = 0
    for name, text in texts.items():
        for cluster_name, sg in security_groups(text).items():
            seen += 1
            for rule in sg['rules']:
                open_to_world = [p for p in CODE_PORTS
                                 if world_open(rule, p)]
                assert not open_to_world, (name, cluster_name, rule)
                # nothing but SSH (the operator's default ssh_cidr here)
                # and ICMP from outside: the web UIs are closed by default
                if 'remote_ip_prefix' in rule:
                    assert rule['protocol'] == 'icmp' or \
                        rule['port_range_min'] == 22, (name, rule)
    assert seen >= len(EXAMPLES)


def test_the_hadoop_examples_web_ui_cidrs_open_its_web_uis():
    with open(os.path.join(ROOT, 'contrib', 'templates',
                           'hadoop-cluster.yaml')) as f:
        text = f.read()
    sg = security_groups(text, {'web_ui_cidrs':
                                '203.0.113.0/24,2001:db8::/32'})['hadoop']
    outside = sorted((r['port_range_min'], r['remote_ip_prefix'])
                     for r in sg['rules'] if 'remote_ip_prefix' in r and
                     r['protocol'] == 'tcp' and r['port_range_min'] != 22)
    assert outside == [(port, cidr) for port in (8088, 9870, 19888)
                       for cidr in ('2001:db8::/32', '203.0.113.0/24')]


def test_the_agent_example_has_no_ssh_rule():
    with open(os.path.join(ROOT, 'contrib', 'templates',
                           'spark-agent.yaml')) as f:
        sgs = security_groups(f.read())
    assert sgs
    for sg in sgs.values():
        assert not [r for r in sg['rules'] if r.get('port_range_min') == 22]


class ExampleParametersTest(common.HeatTestCase):
    """The examples' access_cidrs parameters pass the engine's validation
    too."""

    def setUp(self):
        super(ExampleParametersTest, self).setUp()
        harness.stub_cloud_lookups(self)
        self.patchobject(cluster.SavannaCluster, 'validate_nested_stack')

    def stack(self, cidrs):
        from heat.common import exception
        with open(os.path.join(ROOT, 'contrib', 'templates',
                               'hadoop-cluster.yaml')) as f:
            parsed = template_format.parse(f.read())
        stack = utils.parse_stack(
            parsed, params={'parameters': {'web_ui_cidrs': cidrs}})
        try:
            stack.validate()
        except exception.StackValidationFailed as exc:
            return str(exc)
        return None

    def test_web_ui_cidrs(self):
        self.assertIsNone(self.stack('203.0.113.0/24,2001:db8::/32'))
        self.assertIn('port 8088 (YARN resourcemanager web UI) runs '
                      'whatever code anyone sends it',
                      self.stack('0.0.0.0/0'))
