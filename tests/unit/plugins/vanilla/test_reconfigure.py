"""plugins/vanilla/reconfigure.py: a configuration change restarts only
what it needs."""

from tests.unit.plugins import fakes
from tests.unit.plugins.vanilla.cluster import cluster_info
from tests.unit.plugins.vanilla.cluster import FakeHadoop
from tests.unit.plugins.vanilla.cluster import node
from tests.unit.plugins.vanilla.cluster import run


def test_reconfigure_sequence_restarts_only_what_the_change_needs(plugin):
    ci = cluster_info(3)
    fake, journal = FakeHadoop(ci), fakes.Journal()
    # the daemons run before the change
    fake.started |= {(n.name, p) for n in ci.nodes for p in
                     ('datanode', 'nodemanager')}
    batch = [node(ci, 'workers-0'), node(ci, 'master-0')]
    restarts = {'workers-0': ('datanode',), 'master-0': ('namenode',)}
    names, failed = run(plugin.reconfigure_steps(ci, batch, restarts), ci,
                        fake, journal)
    assert failed == {}
    assert names == ['rewrite Hadoop configuration', 'restart namenode',
                     'wait for namenode', 'restart datanode',
                     'wait for datanodes']
    restart = [c for c in journal.commands('workers-0') if '--daemon' in c]
    assert len(restart) == 1
    assert restart[0].index('--daemon stop datanode') < \
        restart[0].index('--daemon start datanode')
    assert 'nodemanager' not in restart[0]
    # the files of both nodes were rewritten, other nodes untouched
    assert journal.files('workers-0') and journal.files('master-0')
    assert not journal.files('workers-1')
    assert journal.commands('workers-1') == []
