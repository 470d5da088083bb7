"""The metadata service a booting server reads, and the agent host's
boot handing Heat's user data to its part handler as cloud-init does."""

import json
import os
import urllib.request

from savanna_sandbox import agentboot

from tests.unit.sandbox.cloud import helpers

PART_HANDLER = '''
import os
def list_types():
    return ["text/x-cfninitdata"]
def handle_part(data, ctype, filename, payload):
    if ctype in ("__begin__", "__end__"):
        return
    with open(os.path.join(os.environ["PART_DIR"], filename), "w") as f:
        f.write(payload)
'''


def user_data():
    from email.mime import multipart
    from email.mime import text
    msg = multipart.MIMEMultipart()
    for content, name, subtype in (
            ('#cloud-config\n', 'cloud-config', 'cloud-config'),
            (PART_HANDLER, 'part-handler.py', 'part-handler'),
            (json.dumps({'os-collect-config': {'heat': {}}}),
             'cfn-init-data', 'x-cfninitdata')):
        part = text.MIMEText(content, _subtype=subtype)
        part.add_header('Content-Disposition', 'attachment', filename=name)
        msg.attach(part)
    return msg.as_string()


def test_user_data_and_ec2_tree_by_server(nova, glance, sim):
    image = next(iter(glance.images.list(filters={'name': 'cirros'}))).id
    flavor = nova.flavors.find(name='m1.tiny')
    data = user_data()
    server = nova.servers.create('md-test', image, flavor, userdata=data,
                                 nics='auto')
    try:
        base = sim.metadata_url(server.id)
        with urllib.request.urlopen(base + '/openstack/latest/user_data',
                                    timeout=10) as reply:
            assert reply.read().decode() == data
        with urllib.request.urlopen(base + '/latest/meta-data/',
                                    timeout=10) as reply:
            keys = reply.read().decode().split('\n')
        assert 'instance-id' in keys and 'local-ipv4' in keys
        with urllib.request.urlopen(base + '/latest/meta-data/instance-id',
                                    timeout=10) as reply:
            assert reply.read().decode() == server.id
    finally:
        nova.servers.delete(server.id)
        helpers.wait_gone(lambda: nova.servers.get(server.id))


def test_the_boot_runs_the_part_handler_on_its_types(tmp_path, monkeypatch):
    monkeypatch.setenv('PART_DIR', str(tmp_path))
    assert agentboot.run_part_handlers(user_data()) == 1
    assert os.listdir(tmp_path) == ['cfn-init-data']
    assert json.loads((tmp_path / 'cfn-init-data').read_text()) == {
        'os-collect-config': {'heat': {}}}
    # plain user data (no part handler) hands nothing over
    assert agentboot.run_part_handlers('#!/bin/sh\necho hi\n') == 0
