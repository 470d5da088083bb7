"""Who may reach a cluster from outside: the rules of ``access_cidrs``.

Every CIDR valid and not too many; an SSH rule only where the transport
has one; and no port whose service runs whatever code it is sent (the
plugin's ``runs_code`` PortRules, e.g. YARN's resourcemanager REST API)
opened to the whole internet. :mod:`heat_savanna.core.template` turns
the same CIDRs into the security group's rules.

Pure: no Heat import, no I/O.
"""

import ipaddress

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import model


def network(cidr):
    """The ``ipaddress`` network of a CIDR of ``access_cidrs`` (IPv4 or
    IPv6; a bare address is its /32 or /128). ValueError if it is none,
    or has host bits set (``10.0.0.1/8``)."""
    if not isinstance(cidr, str) or cidr != cidr.strip():
        raise ValueError(cidr)
    return ipaddress.ip_network(cidr, strict=True)


CIDR_EXAMPLE = 'e.g. 203.0.113.0/24'


def _cidr_errors(cidr, path):
    try:
        network(cidr)
        return []
    except ValueError:
        pass
    try:
        # host bits set: say which network was meant
        hint = 'host bits set: write %s' % ipaddress.ip_network(
            cidr, strict=False)
    except ValueError:
        hint = CIDR_EXAMPLE
    return [ValidationError(path, '%r is not a CIDR' % (cidr,), hint)]


def check_access_cidrs(spec, errors):
    """Every CIDR of access_cidrs valid, not too many, and an SSH rule
    only where the transport has one."""
    access = spec.access_cidrs
    for key, cidrs in ((model.ACCESS_SSH, access.ssh or ()),
                       (model.ACCESS_WEB_UI, access.web_ui)):
        path = '%s.%s' % (model.ACCESS_CIDRS, key)
        if len(cidrs) > model.ACCESS_CIDRS_MAX:
            errors.append(ValidationError(
                path, 'at most %d CIDRs, not %d'
                % (model.ACCESS_CIDRS_MAX, len(cidrs)),
                'one wider CIDR covers several networks'))
        for k, cidr in enumerate(cidrs):
            errors += _cidr_errors(cidr, '%s[%d]' % (path, k))
    path = '%s.%s' % (model.ACCESS_CIDRS, model.ACCESS_SSH)
    if access.ssh and spec.uses_agent:
        errors.append(ValidationError(
            path, 'transport heat-agent opens no SSH port (heat-engine '
            'never connects to a node)', 'leave ssh out; for SSH of your '
            'own, add a security group of yours to the node groups\' '
            'security_groups'))
    elif access.ssh is not None and not access.ssh and not spec.uses_agent:
        errors.append(ValidationError(
            path, 'is empty, but with transport ssh heat-engine connects '
            'to every node over SSH', 'give the CIDR of heat-engine\'s '
            'network, or leave ssh out for the operator\'s [savanna] '
            'ssh_cidr'))


def _world(cidr):
    try:
        return network(cidr).prefixlen == 0
    except ValueError:
        return False     # reported by check_access_cidrs


def _overlap(a, b):
    def span(rule):
        return rule.port, (rule.port_max if rule.port_max is not None
                           else rule.port)
    (a_low, a_high), (b_low, b_high) = span(a), span(b)
    return a.protocol == b.protocol and a_low <= b_high and b_low <= a_high


def check_exposure(spec, plugin, errors):
    """No port that runs code open to the whole internet: ``web_ui``
    holding 0.0.0.0/0 or ::/0 is refused when a web UI port the cluster
    opens is a port whose service runs whatever code it is sent (the
    plugin's ``runs_code`` PortRules, e.g. YARN's resourcemanager)."""
    world = [k for k, c in enumerate(spec.access_cidrs.web_ui) if _world(c)]
    if not world:
        return
    try:
        ports = list(plugin.get_ports(spec) or ())
    except Exception as exc:   # a plugin bug: report, do not crash Heat
        errors.append(ValidationError(
            model.PLUGIN_NAME, 'the %s plugin could not list its ports: '
            '%s' % (spec.plugin_name, type(exc).__name__)))
        return
    code = [r for r in ports if getattr(r, 'runs_code', False)]
    exposed = sorted({(c.port, c.description or 'a service') for r in ports
                      if r.public for c in code if _overlap(r, c)})
    if not exposed:
        return
    named = ', '.join('%d (%s)' % e for e in exposed)
    for k in world:
        errors.append(ValidationError(
            '%s.%s[%d]' % (model.ACCESS_CIDRS, model.ACCESS_WEB_UI, k),
            '%s opens the web UIs to the whole internet, and port %s runs '
            'whatever code anyone sends it' % (
                spec.access_cidrs.web_ui[k], named),
            'give a narrower CIDR, the networks of the people who use the '
            'web UIs, %s' % CIDR_EXAMPLE))
