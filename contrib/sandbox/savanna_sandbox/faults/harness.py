"""Running rows: one scenario's run on the sandbox (Heat and the
simulator's admin API), its timing and leak inventory, the row's result,
and the command line."""

import argparse
import io
import os
import sys
import time

from savanna_sandbox.faults import registry
from savanna_sandbox.faults import simulator
from savanna_sandbox.faults import templates

TIMEOUT = float(os.environ.get('SAVANNA_FAULTS_TIMEOUT', '420'))


class ScenarioFailed(Exception):
    """An observation that differs from the expected result."""


class Run(object):
    """Heat and simulator helpers for one scenario, plus its checks."""

    def __init__(self, heat, name, platform=None):
        self.heat = heat
        self.name = name            # cluster name == stack name
        self.platform = platform
        self.stack_id = None
        self.failures = []
        self.notes = []

    # checks
    def check(self, cond, observed):
        """Record ``observed`` as a difference unless ``cond``."""
        if not cond:
            self.failures.append(observed)
        return cond

    def require(self, cond, observed):
        if not self.check(cond, observed):
            raise ScenarioFailed(observed)

    def note(self, text):
        self.notes.append(text)

    # faults
    def faults(self, doc):
        simulator.admin('POST', '/faults', doc)

    def reset_faults(self):
        simulator.admin('POST', '/reset')

    # stacks
    def create(self, template, disable_rollback=True):
        resp = self.heat.stacks.create(stack_name=self.name,
                                       template=template,
                                       disable_rollback=disable_rollback,
                                       timeout_mins=15)
        self.stack_id = resp['stack']['id']
        return self.wait('CREATE')

    def update(self, template=None, existing=True, rollback=False):
        kwargs = {'existing': existing, 'disable_rollback': not rollback}
        if template is not None:
            kwargs['template'] = template
        self.heat.stacks.update(self.stack_id, **kwargs)
        return self.wait(('UPDATE', 'ROLLBACK'), since=time.time())

    def check_stack(self):
        self.heat.actions.check(self.stack_id)
        return self.wait('CHECK')

    def wait(self, actions, timeout=TIMEOUT, since=None):
        """Wait until the stack's action is one of ``actions`` and done."""
        if isinstance(actions, str):
            actions = (actions,)
        deadline = time.time() + timeout
        time.sleep(1)
        while True:
            st = self.heat.stacks.get(self.stack_id)
            action, _sep, status = st.stack_status.partition('_')
            if action in actions and status != 'IN_PROGRESS':
                if not (action == 'UPDATE' and 'ROLLBACK' in actions and
                        status == 'FAILED' and not st.disable_rollback):
                    return st
            if time.time() > deadline:
                raise ScenarioFailed('timed out in %s: %s' % (
                    st.stack_status, st.stack_status_reason))
            time.sleep(2)

    def resource(self):
        return self.heat.resources.get(self.stack_id, templates.RESOURCE)

    def metadata(self):
        return self.heat.resources.metadata(self.stack_id,
                                            templates.RESOURCE) or {}

    def outputs(self):
        st = self.heat.stacks.get(self.stack_id)
        return {o['output_key']: o.get('output_value')
                for o in (st.outputs or [])}

    def servers(self):
        return simulator.servers(self.name)

    def delete(self):
        if self.stack_id is None:
            return 'no stack'
        try:
            self.heat.stacks.delete(self.stack_id)
        except Exception as exc:   # already gone
            return 'delete: %s' % exc
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            try:
                st = self.heat.stacks.get(self.stack_id)
            except Exception:
                return 'DELETE_COMPLETE'
            if st.stack_status in ('DELETE_COMPLETE',):
                return st.stack_status
            if st.stack_status == 'DELETE_FAILED':
                return 'DELETE_FAILED: %s' % st.stack_status_reason
            time.sleep(2)
        return 'delete timed out'

    # composite helpers
    def state(self):
        """(stack status, resource status, resource reason, status)."""
        st = self.heat.stacks.get(self.stack_id)
        res = self.resource()
        return (st.stack_status, res.resource_status,
                res.resource_status_reason or '',
                self.metadata().get('status'))


def find(name):
    for row in registry.SCENARIOS:
        if row.name == name:
            return row
    raise KeyError(name)


def run_scenario(heat, row, platform=None, out=None):
    """Run one row; returns a dict: name, expected, observed, leaked,
    seconds, notes, ok."""
    before = simulator.inventory_ids()
    simulator.admin('POST', '/reset')
    run = Run(heat, row.cluster, platform)
    t0 = time.time()
    try:
        row.func(run)
    except ScenarioFailed as exc:
        if str(exc) not in run.failures:
            run.failures.insert(0, str(exc))
    except Exception as exc:
        run.failures.insert(0, 'error: %s: %s' % (type(exc).__name__, exc))
    finally:
        try:
            simulator.admin('POST', '/reset')
        except Exception:
            pass
        deleted = run.delete()
    if deleted not in ('DELETE_COMPLETE', 'no stack'):
        run.failures.append(deleted)
    time.sleep(1)
    leaked = sorted('%s:%s' % (kind, nm or ident)
                    for (kind, ident), nm in simulator.inventory_ids().items()
                    if (kind, ident) not in before)
    observed = '; '.join(run.failures) if run.failures else row.expect
    return {'name': row.name, 'expected': row.expect, 'observed': observed,
            'leaked': leaked, 'seconds': time.time() - t0,
            'notes': run.notes, 'ok': not run.failures and not leaked}


def format_row(result):
    notes = (' [%s]' % '; '.join(result['notes'])) if result['notes'] else ''
    return '%s | %s | %s | %d%s (%.0fs)%s' % (
        result['name'], result['expected'], result['observed'],
        len(result['leaked']),
        (' ' + ', '.join(result['leaked'][:5])) if result['leaked'] else '',
        result['seconds'], notes)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m savanna_sandbox.faults',
        description='The fault matrix of OS::Savanna::Cluster on the '
                    'sandbox (hold /tmp/heat-savanna-sandbox.lock).')
    parser.add_argument('--list', action='store_true',
                        help='list the scenarios and exit')
    parser.add_argument('--only', action='append', metavar='NAME',
                        help='run only this scenario (repeatable)')
    parser.add_argument('--ci', action='store_true',
                        help='only the rows make test runs (one per kind)')
    args = parser.parse_args(argv)
    if args.list:
        for row in registry.SCENARIOS:
            print('%s | %s | %s%s' % (row.name, row.kind, row.expect,
                                      ' | ci' if row.ci else ''))
        return 0
    rows = registry.ci_rows() if args.ci else registry.SCENARIOS
    if args.only:
        known = {r.name for r in registry.SCENARIOS}
        unknown = [n for n in args.only if n not in known]
        if unknown:
            parser.error('unknown scenario(s): %s (see --list)'
                         % ', '.join(unknown))
        rows = [r for r in registry.SCENARIOS if r.name in args.only]
    from savanna_sandbox.services import platform as platform_mod
    out = io.StringIO()
    plat = platform_mod.Platform(out=out)
    # the rows need the sandbox: bring it up (at once when it is up)
    if plat.up() != 0:
        sys.stderr.write(out.getvalue())
        sys.stderr.write('the sandbox did not come up, so no row ran; '
                         '`heat-savanna sandbox status` shows its parts\n')
        return 2
    heat = plat.heat_client('demo')
    print('name | expected | observed | leaked')
    bad = 0
    for row in rows:
        result = run_scenario(heat, row, plat)
        print(format_row(result), flush=True)
        bad += not result['ok']
    return 1 if bad else 0
