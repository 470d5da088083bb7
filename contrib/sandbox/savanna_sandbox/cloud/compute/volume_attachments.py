"""A server's volume attachments (os-volume_attachments); the volume's
side of them is the volume service's."""

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import base


class VolumeAttachments(base.ComputeBase):
    """/servers/{id}/os-volume_attachments."""

    def _attachment_view(self, req, att, created=False):
        """Nova's shape: from 2.89 show/list drop 'id' and add
        attachment_id/bdm_uuid; the attach response keeps 'id'."""
        version = self.microversion(req)
        view = {'id': att['volume_id'], 'serverId': att['server_id'],
                'volumeId': att['volume_id'], 'device': att['device']}
        if version >= (2, 70):
            view['tag'] = None
        if version >= (2, 79):
            view['delete_on_termination'] = False
        if version >= (2, 89) and not created:
            view['attachment_id'] = att['id']
            view['bdm_uuid'] = att['bdm_uuid']
            del view['id']
        return view

    def list_volume_attachments(self, req, id):
        rec = self._server(req, id)
        return {'volumeAttachments': [
            self._attachment_view(req, a) for a in
            self.cloud.store.find('attachments', server_id=rec['id'])]}

    def _attachment(self, rec, volume_id):
        found = self.cloud.store.find('attachments', server_id=rec['id'],
                                      volume_id=volume_id)
        if not found or found[0].get('_detaching'):
            raise wsgi.not_found('Volume attachment', volume_id)
        return found[0]

    def show_volume_attachment(self, req, id, volume_id):
        rec = self._server(req, id)
        return {'volumeAttachment': self._attachment_view(
            req, self._attachment(rec, volume_id))}

    def attach_volume(self, req, id):
        rec = self._server(req, id)
        body = wsgi.json_body(req, 'volumeAttachment')
        if rec['status'] not in ('ACTIVE', 'SHUTOFF') or rec['task_state']:
            raise wsgi.conflict("Cannot 'attach_volume' instance %s while "
                                "it is in vm_state %s" % (rec['id'],
                                                          rec['vm_state']))
        fault = self.cloud.faults.resource_fails('volume_attach',
                                                 rec['name'])
        if fault is not None:
            raise fault
        att = self.cloud.volume.attach(rec, body.get('volumeId', ''),
                                       body.get('device'))
        return {'volumeAttachment': self._attachment_view(req, att,
                                                          created=True)}

    def detach_volume(self, req, id, volume_id):
        rec = self._server(req, id)
        att = self._attachment(rec, volume_id)
        self.cloud.volume.detach(att)
        return wsgi.Reply(202)
