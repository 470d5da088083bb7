"""What the cloud says of its capacity: the availability zone, the
limits and the simulated hypervisors."""

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import base


class Hypervisors(base.ComputeBase):
    """/os-availability-zone, /limits and /os-hypervisors."""

    def list_zones(self, req):
        zone = self.cloud.conf['availability_zone']
        return {'availabilityZoneInfo': [{
            'zoneName': zone, 'zoneState': {'available': True},
            'hosts': None}]}

    def limits(self, req):
        return {'limits': {'rate': [], 'absolute': {
            'maxServerMeta': 128, 'maxPersonality': 5,
            'maxPersonalitySize': 10240, 'maxImageMeta': 128,
            'maxTotalKeypairs': 100, 'maxServerGroups': 100,
            'maxServerGroupMembers': 1000, 'maxTotalCores': 10000,
            'maxTotalInstances': 1000, 'maxTotalRAMSize': 10 ** 8,
            'maxSecurityGroups': 100, 'maxSecurityGroupRules': 1000,
            'maxTotalFloatingIps': 250,
            'totalCoresUsed': 0, 'totalInstancesUsed': len(
                self.cloud.store.find('servers',
                                      project_id=self.project_id(req))),
            'totalRAMUsed': 0, 'totalServerGroupsUsed': 0,
            'totalFloatingIpsUsed': 0, 'totalSecurityGroupsUsed': 0}}}

    def _hypervisor_view(self, index, name):
        running = [s for s in self.cloud.store.values('servers')
                   if s.get('host') == name]
        return {'id': index + 1, 'hypervisor_hostname': name,
                'state': 'up', 'status': 'enabled',
                'running_vms': len(running)}

    def list_hypervisors(self, req):
        return {'hypervisors': [self._hypervisor_view(i, n) for i, n in
                                enumerate(self.cloud.hypervisors)]}

    def search_hypervisors(self, req, name):
        found = [self._hypervisor_view(i, n) for i, n in
                 enumerate(self.cloud.hypervisors) if name in n]
        if not found:
            raise wsgi.not_found('Hypervisor', name)
        return {'hypervisors': found}
