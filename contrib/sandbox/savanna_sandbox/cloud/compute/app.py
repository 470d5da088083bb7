"""The simulated Nova as one WSGI app: its areas assembled, its routes.

Each area of the API is a class of its own module; :class:`ComputeApp`
mixes them over :class:`.base.ComputeBase` and owns the one route table
(order matters where templates overlap: ``/servers/detail`` before
``/servers/{id}``).
"""

from savanna_sandbox.cloud import metadata
from savanna_sandbox.cloud.compute import actions
from savanna_sandbox.cloud.compute import boot
from savanna_sandbox.cloud.compute import flavors
from savanna_sandbox.cloud.compute import hypervisors
from savanna_sandbox.cloud.compute import interfaces
from savanna_sandbox.cloud.compute import keypairs
from savanna_sandbox.cloud.compute import server_groups
from savanna_sandbox.cloud.compute import server_meta
from savanna_sandbox.cloud.compute import servers
from savanna_sandbox.cloud.compute import volume_attachments


class ComputeApp(servers.Servers, boot.Boot, actions.Actions,
                 server_meta.ServerMeta, interfaces.Interfaces,
                 volume_attachments.VolumeAttachments, flavors.Flavors,
                 keypairs.Keypairs, server_groups.ServerGroups,
                 hypervisors.Hypervisors):
    def setup_routes(self):
        r = self.route
        r('GET', '/', self.versions, public=True)
        r('GET', '/v2.1', self.version, public=True)
        metadata.add_routes(self)
        p = '/v2.1'
        r('GET', p + '/servers', self.list_servers)
        r('GET', p + '/servers/detail', self.list_servers_detail)
        r('POST', p + '/servers', self.create_server)
        r('GET', p + '/servers/{id}', self.show_server)
        r('PUT', p + '/servers/{id}', self.update_server)
        r('DELETE', p + '/servers/{id}', self.delete_server)
        r('POST', p + '/servers/{id}/action', self.server_action)
        r('GET', p + '/servers/{id}/ips', self.server_ips)
        r('GET', p + '/servers/{id}/metadata', self.get_metadata)
        r('POST', p + '/servers/{id}/metadata', self.update_metadata)
        r('PUT', p + '/servers/{id}/metadata', self.replace_metadata)
        r('GET', p + '/servers/{id}/metadata/{key}', self.get_meta_item)
        r('PUT', p + '/servers/{id}/metadata/{key}', self.set_meta_item)
        r('DELETE', p + '/servers/{id}/metadata/{key}',
          self.delete_meta_item)
        r('GET', p + '/servers/{id}/tags', self.get_tags)
        r('PUT', p + '/servers/{id}/tags', self.set_tags)
        r('DELETE', p + '/servers/{id}/tags', self.delete_tags)
        r('GET', p + '/servers/{id}/tags/{tag}', self.check_tag)
        r('PUT', p + '/servers/{id}/tags/{tag}', self.add_tag)
        r('DELETE', p + '/servers/{id}/tags/{tag}', self.delete_tag)
        r('GET', p + '/servers/{id}/os-interface', self.list_interfaces)
        r('POST', p + '/servers/{id}/os-interface', self.attach_interface)
        r('GET', p + '/servers/{id}/os-interface/{port_id}',
          self.show_interface)
        r('DELETE', p + '/servers/{id}/os-interface/{port_id}',
          self.detach_interface)
        r('GET', p + '/servers/{id}/os-volume_attachments',
          self.list_volume_attachments)
        r('POST', p + '/servers/{id}/os-volume_attachments',
          self.attach_volume)
        r('GET', p + '/servers/{id}/os-volume_attachments/{volume_id}',
          self.show_volume_attachment)
        r('DELETE', p + '/servers/{id}/os-volume_attachments/{volume_id}',
          self.detach_volume)
        r('GET', p + '/flavors', self.list_flavors)
        r('GET', p + '/flavors/detail', self.list_flavors_detail)
        r('GET', p + '/flavors/{id}', self.show_flavor)
        r('GET', p + '/flavors/{id}/os-extra_specs', self.flavor_specs)
        r('GET', p + '/flavors/{id}/os-flavor-access', self.flavor_access)
        r('GET', p + '/os-keypairs', self.list_keypairs)
        r('POST', p + '/os-keypairs', self.create_keypair)
        r('GET', p + '/os-keypairs/{name}', self.show_keypair)
        r('DELETE', p + '/os-keypairs/{name}', self.delete_keypair)
        r('GET', p + '/os-server-groups', self.list_server_groups)
        r('POST', p + '/os-server-groups', self.create_server_group)
        r('GET', p + '/os-server-groups/{id}', self.show_server_group)
        r('DELETE', p + '/os-server-groups/{id}', self.delete_server_group)
        r('GET', p + '/os-availability-zone', self.list_zones)
        r('GET', p + '/os-availability-zone/detail', self.list_zones)
        r('GET', p + '/limits', self.limits)
        r('GET', p + '/os-hypervisors', self.list_hypervisors)
        r('GET', p + '/os-hypervisors/detail', self.list_hypervisors)
        r('GET', p + '/os-hypervisors/{name}/search',
          self.search_hypervisors)
