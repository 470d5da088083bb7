import threading
import time

from oslo_config import cfg

from heat_savanna.common import config
from heat_savanna.remote import parallel
from heat_savanna.remote import redaction


def test_redact_declared_and_shaped_secrets():
    text = ('mysql -psecretpw -u root\npassword=hunter2 token: abc\n'
            '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n'
            '-----END OPENSSH PRIVATE KEY-----\nend')
    out = redaction.redact(text, ['secretpw', ''])
    assert 'secretpw' not in out and 'hunter2' not in out
    assert 'abc' not in out and 'AAAA' not in out
    assert out.endswith('end')
    assert redaction.redact(b'x\xffsecret', [b'secret']) == 'x\ufffd***'
    assert redaction.redact(None, ['a']) == ''


def test_redact_longest_secret_first():
    assert redaction.redact('abcdef', ['abc', 'abcdef']) == '***'


def test_tail():
    text = '\n'.join(str(i) for i in range(100))
    assert redaction.tail(text, lines=3) == '97\n98\n99'


def test_config_defaults_and_choices():
    conf = cfg.ConfigOpts()
    config.register_opts(conf)
    conf([])
    s = conf.savanna
    assert (s.ssh_pool_size, s.ssh_connect_timeout, s.ssh_connect_retries,
            s.ssh_command_timeout, s.host_key_policy,
            s.decommission_timeout, s.service_start_timeout, s.ssh_cidr,
            s.provisioning_poll_interval, s.host_key_timeout,
            s.node_set_size, s.agent_signal_allowance,
            s.agent_running_allowance) == (
                16, 10, 5, 300, 'pinned', 1800, 300, '0.0.0.0/0', 2, 300, 5,
                300, 60)
    # the option's default is the core's (validate without an engine uses it)
    from heat_savanna.core import layout
    from heat_savanna.core import template
    assert s.node_set_size == layout.DEFAULT_SET_SIZE
    assert s.max_concurrent_node_sets == \
        template.DEFAULT_MAX_CONCURRENT_NODE_SETS
    names = {o.name for o in config.list_opts()[0][1]}
    assert 'host_key_policy' in names and len(names) == 14
    assert all(o.help for o in config.list_opts()[0][1])
    try:
        conf.set_override('host_key_policy', 'yolo', 'savanna')
        raise AssertionError('bad choice accepted')
    except ValueError:
        pass


def test_run_parallel_isolates_failures_and_keeps_order():
    def fn(x):
        if x == 3:
            raise RuntimeError('three')
        return x * 2
    out = parallel.run_parallel([1, 2, 3, 4], fn)
    assert list(out) == [1, 2, 3, 4]
    assert out[2].ok and out[2].value == 4
    assert not out[3].ok and str(out[3].error) == 'three'
    assert out[4].value == 8


def test_run_parallel_mapping_and_bound():
    running, peak, lock = [0], [0], threading.Lock()

    def fn(x):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return x
    out = parallel.run_parallel({'n%d' % i: i for i in range(12)}, fn,
                                max_workers=3)
    assert peak[0] == 3
    assert out['n5'].value == 5
    assert parallel.run_parallel([], fn) == {}


def test_run_parallel_uses_pool_size_option():
    config.CONF.set_override('ssh_pool_size', 2, 'savanna')
    try:
        seen = set()
        parallel.run_parallel(range(8), lambda i: seen.add(
            threading.current_thread().name))
        assert len(seen) <= 2
    finally:
        config.CONF.clear_override('ssh_pool_size', 'savanna')
