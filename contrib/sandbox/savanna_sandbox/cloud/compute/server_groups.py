"""Server groups (os-server-groups) and the scheduler that honours their
policies when it places a server on a simulated hypervisor."""

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import base

NO_VALID_HOST = ('No valid host was found. There are not enough hosts '
                 'available.')
POLICIES = ('affinity', 'anti-affinity', 'soft-affinity',
            'soft-anti-affinity')


class ServerGroups(base.ComputeBase):
    """/os-server-groups."""

    def _group_view(self, req, rec):
        version = self.microversion(req)
        view = {'id': rec['id'], 'name': rec['name'],
                'members': list(rec['members'])}
        if version >= (2, 64):
            view['policy'] = rec['policy']
            view['rules'] = rec['rules']
        else:
            view['policies'] = [rec['policy']]
            view['metadata'] = {}
        if version >= (2, 13):
            view['project_id'] = rec['project_id']
            view['user_id'] = rec['user_id']
        return view

    def _group(self, req, ident):
        return self.owned(req, 'server_groups', ident, 'Instance group')

    def list_server_groups(self, req):
        project = self.project_id(req)
        groups = [g for g in self.cloud.store.values('server_groups')
                  if g['project_id'] == project or
                  (req.GET.get('all_projects') and self.is_admin(req))]
        return {'server_groups': [self._group_view(req, g) for g in groups]}

    def create_server_group(self, req):
        body = wsgi.json_body(req, 'server_group')
        version = self.microversion(req)
        if version >= (2, 64):
            policy = body.get('policy')
            rules = body.get('rules') or {}
        else:
            policies = body.get('policies') or []
            if len(policies) != 1:
                raise wsgi.bad_request('Exactly one policy is required')
            policy, rules = policies[0], {}
        allowed = POLICIES if version >= (2, 15) else POLICIES[:2]
        if policy not in allowed:
            raise wsgi.bad_request('Invalid input for field/attribute '
                                   'policy. Value: %s. %r is not one of %r'
                                   % (policy, policy, list(allowed)))
        if rules and policy != 'anti-affinity':
            raise wsgi.bad_request('Only anti-affinity policy supports '
                                   'rules.')
        rec = self.cloud.store.add('server_groups', {
            'name': body.get('name', ''), 'policy': policy,
            'rules': rules, 'members': [],
            'project_id': self.project_id(req),
            'user_id': self.user_id(req)})
        return {'server_group': self._group_view(req, rec)}

    def show_server_group(self, req, id):
        return {'server_group': self._group_view(req, self._group(req, id))}

    def delete_server_group(self, req, id):
        rec = self._group(req, id)
        self.cloud.store.remove('server_groups', rec['id'])
        return wsgi.Reply(204)


class Scheduler(object):
    """Places servers on simulated hypervisors, honouring server groups."""

    def __init__(self, store, hypervisors):
        self.store = store
        self.hypervisors = list(hypervisors)

    def place(self, server):
        """The chosen host name; raises LookupError(NO_VALID_HOST)."""
        with self.store.lock:
            load = {h: 0 for h in self.hypervisors}
            for other in self.store.values('servers'):
                if other.get('host') in load:
                    load[other['host']] += 1
            candidates = list(self.hypervisors)
            group = self.store.get('server_groups', server.get('group_id')
                                   or '')
            if group is not None:
                members = {}
                for mid in group['members']:
                    member = self.store.get('servers', mid)
                    if member and member['id'] != server['id'] and \
                            member.get('host'):
                        members[member['host']] = \
                            members.get(member['host'], 0) + 1
                policy = group['policy']
                if policy == 'anti-affinity':
                    limit = int(group['rules'].get('max_server_per_host',
                                                   1))
                    candidates = [h for h in candidates
                                  if members.get(h, 0) < limit]
                elif policy == 'affinity' and members:
                    candidates = [h for h in candidates if h in members]
                elif policy == 'soft-anti-affinity':
                    candidates.sort(key=lambda h: members.get(h, 0))
                    best = members.get(candidates[0], 0) if candidates \
                        else 0
                    candidates = [h for h in candidates
                                  if members.get(h, 0) == best]
                elif policy == 'soft-affinity' and members:
                    top = max(members.values())
                    candidates = [h for h in candidates
                                  if members.get(h, 0) == top]
            if not candidates:
                raise LookupError(NO_VALID_HOST)
            host = min(candidates, key=lambda h: (load[h],
                                                  self.hypervisors.index(h)))
            server['host'] = host
            return host
