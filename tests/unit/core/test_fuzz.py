"""Any input at all gives a ClusterSpec or InvalidCluster, never another
exception (property-based)."""

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st

from heat_savanna.common.exceptions import InvalidCluster
from heat_savanna.core import model
from heat_savanna.core import validation
from tests.unit.core import fakes

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=8),
                    st.sampled_from(['90%', '150%', '-1', 'namenode',
                                     'datanode', 'fake', '1.0', 'HDFS']))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=10)


def _group():
    return st.fixed_dictionaries({}, optional={
        k: values for k in model.NODE_GROUP_KEYS}).map(dict) | st.builds(
        fakes.group,
        st.sampled_from(['master', 'worker', 'bad name', '']),
        st.one_of(st.integers(-2, 5), values),
        st.lists(st.sampled_from(['namenode', 'datanode', 'nodemanager',
                                  'resourcemanager', 'x', '']),
                 max_size=4))


clusters = st.builds(
    lambda base, groups, extra: dict(base, **dict(extra,
                                                  node_groups=groups)),
    st.just(fakes.props()),
    st.one_of(st.lists(_group(), max_size=4), values),
    st.dictionaries(st.sampled_from(model.CLUSTER_PROPERTIES + ('bogus',)),
                    values, max_size=4))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(clusters)
def test_never_an_unexpected_exception(props):
    plugin = fakes.FakeHadoop()
    try:
        spec = validation.check(props, 'c',
                                get_plugin=fakes.get_plugin_for(plugin))
    except InvalidCluster as exc:
        assert exc.errors
        for error in exc.errors:
            assert error.message
            assert isinstance(error.path, str)
    else:
        assert isinstance(spec, model.ClusterSpec)
