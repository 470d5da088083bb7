"""cloud.compute.hypervisors: the zone, the limits, the hypervisors."""

from tests.unit.sandbox.cloud import helpers


def test_zones_and_limits(nova):
    zones = nova.availability_zones.list(detailed=False)
    assert [z.zoneName for z in zones] == ['nova']
    assert nova.limits.get().absolute


def test_hypervisors_count_their_servers(offline):
    names = offline.hypervisors
    helpers.add_server(offline, 'on-first', host=names[0])
    status, body, _ = helpers.call(offline.compute, 'GET',
                                   '/v2.1/os-hypervisors')
    assert status == 200
    assert [(h['hypervisor_hostname'], h['running_vms'])
            for h in body['hypervisors']] == [
        (n, 1 if n == names[0] else 0) for n in names]
    status, body, _ = helpers.call(
        offline.compute, 'GET', '/v2.1/os-hypervisors/%s/search' % names[1])
    assert [h['hypervisor_hostname'] for h in body['hypervisors']] == [
        names[1]]
    status, _, _ = helpers.call(offline.compute, 'GET',
                                '/v2.1/os-hypervisors/nowhere/search')
    assert status == 404


def test_limits_count_the_projects_servers(offline):
    helpers.add_server(offline, 'mine')
    helpers.add_server(offline, 'theirs', project_id='another')
    _, body, _ = helpers.call(offline.compute, 'GET', '/v2.1/limits')
    assert body['limits']['absolute']['totalInstancesUsed'] == 1
