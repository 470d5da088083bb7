"""core/names.py: what a cluster's resources are called, and their marks."""

from heat_savanna.core import names
from heat_savanna.core import template


def test_node_of_resource_maps_every_generated_name():
    nodes = {'worker-1', 'worker-10'}

    def node_of(name):
        return names.node_of_resource(name, nodes)
    assert node_of('worker-1') == ('worker-1', 'boot')
    assert node_of(names.port_name('worker-1')) == ('worker-1', 'network')
    assert node_of(names.fip_name('worker-10')) == ('worker-10',
                                                    'floating-ip')
    assert node_of(names.volume_name('worker-10', 1)) == ('worker-10',
                                                          'volume')
    assert node_of(names.attachment_name('worker-1', 0)) == (
        'worker-1', 'volume-attach')
    assert node_of(template.KEYPAIR) == (None, None)


def test_port_marks_read_only_the_marks():
    text = names.port_marks_text('stack-1', 'worker-1')
    assert names.port_marks(text) == {names.OWNER_KEY: 'stack-1',
                                      names.NODE_KEY: 'worker-1'}
    # what an operator wrote, or nothing: no marks
    assert names.port_marks('') == {}
    assert names.port_marks(None) == {}
    assert names.port_marks('a=b port for x') == {}
