"""``heat-savanna``: render and validate OS::Savanna::Cluster templates
offline, with the very code heat-engine runs.

``validate TEMPLATE [-P k=v ...]`` prints ``OK`` or one message per line;
``render TEMPLATE [-P k=v ...]`` prints the nested stacks generated for
each ``OS::Savanna::Cluster``: one YAML document for the cluster's nested
stack, then one per node set (the child stack of each OS::Savanna::NodeSet).
Both
check a template the way heat-engine does, in the same order:

1. Heat's own template parser (``heat.common.template_format``: its size
   limit, ``max_template_size``, applies to the template as written and as
   its YAML aliases expand, since the engine receives it expanded);
2. the resource's own properties schema (``SavannaCluster.
   properties_schema`` through ``heat.engine.properties.Properties``:
   types, required properties, ranges, lengths, patterns). Custom
   constraints (that the image, flavor, networks, keypair and volume type
   exist) need the cloud and are skipped; ``validate`` says so;
3. the cluster rules (``heat_savanna.core.validation.check``), with the
   engine's ``max_resources_per_stack`` (``--max-resources-per-stack``)
   and the plugin's ``[savanna] node_set_size`` (``--node-set-size``).

Heat must be installed (it is wherever the resource runs); without it the
commands say so. Further subcommands come from the ``heat_savanna.cli``
entry-point group: each entry point is a ``register(subparsers)`` callable
whose parsers set ``func(args) -> exit status`` (the sandbox adds
``sandbox``, the lead ``status``).

Only ``get_param`` can be resolved without a cloud; any other intrinsic
function inside a cluster's properties is reported, not guessed.
"""

import argparse
import copy
import json
import sys
import warnings
from importlib import metadata

import yaml

from heat_savanna.common import exceptions
from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import template as template_mod
from heat_savanna.core import validation
from heat_savanna import plugins

CLUSTER_TYPE = 'OS::Savanna::Cluster'
ENTRY_POINT_GROUP = 'heat_savanna.cli'
# stands in for the key Heat generates at create time
PLACEHOLDER_PUBLIC_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNhdmFubmEt'
                          'cmVuZGVyLXBsYWNlaG9sZGVyLWtleS0tIA== '
                          'heat-savanna-render-placeholder')
#: heat-engine's default ``max_resources_per_stack``
DEFAULT_MAX_RESOURCES = 1000
OFFLINE_NOTE = ('note: not checked offline: that the images, flavors, '
                'networks, keypair and volume types named exist (they need '
                'the cloud; heat-engine checks them)')

INTRINSICS = frozenset((
    'get_attr', 'get_file', 'get_param', 'get_resource', 'list_join',
    'repeat', 'resource_facade', 'str_replace', 'str_replace_strict',
    'str_replace_vstrict', 'str_split', 'map_merge', 'map_replace', 'yaql',
    'equals', 'if', 'not', 'and', 'or', 'filter', 'make_url', 'list_concat',
    'list_concat_unique', 'contains', 'digest', 'Ref', 'Fn::GetAtt',
    'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::Replace', 'Fn::Base64',
    'Fn::MemberListToMap', 'Fn::ResourceFacade', 'Fn::GetAZs',
))

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class TemplateError(Exception):
    """The template itself (not a cluster in it) cannot be used."""


# -- Heat -------------------------------------------------------------------
class _Heat(object):
    """The Heat pieces the checks use, imported once."""

    _loaded = None

    @classmethod
    def load(cls):
        if cls._loaded is None:
            try:
                cls._loaded = cls()
            except ImportError as exc:
                raise TemplateError(
                    'heat-savanna checks templates with OpenStack Heat\'s '
                    'own code, which is not installed here (%s): install '
                    'it (pip install openstack-heat) or run heat-savanna '
                    'where heat-engine runs' % exc)
        return cls._loaded

    def __init__(self):
        # Heat 27 runs on oslo.service's threading backend, chosen before
        # anything imports heat.engine.
        from oslo_service import backend
        try:
            backend.init_backend(backend.BackendType.THREADING)
        except Exception:   # already chosen, by us or by the caller
            pass
        from oslo_config import cfg
        with warnings.catch_warnings():
            # Heat's imports warn about its own dependencies (eventlet):
            # nothing a template author can act on
            warnings.simplefilter('ignore')
            from heat.common import config as heat_config  # noqa: registers
            from heat.common import exception
            from heat.common import template_format
            from heat.engine import constraints
            from heat.engine import properties
            from heat_savanna.resources import cluster
        del heat_config
        self.conf = cfg.CONF
        self.exception = exception
        self.template_format = template_format
        self.properties = properties
        self.resource = cluster.SavannaCluster
        self.schema = {name: _offline(schema, properties, constraints)
                       for name, schema in
                       self.resource.properties_schema.items()}


def _offline(schema, properties, constraints):
    """A copy of a property schema without its custom constraints (image,
    flavor, network... lookups that need the cloud)."""
    schema = properties.Schema.from_legacy(schema)
    copied = copy.copy(schema)
    copied.constraints = [c for c in schema.constraints
                          if not isinstance(c, constraints.CustomConstraint)]
    if isinstance(schema.schema, constraints.AnyIndexDict):
        copied.schema = constraints.AnyIndexDict(
            _offline(schema.schema.value, properties, constraints))
    elif isinstance(schema.schema, dict):
        copied.schema = {k: _offline(v, properties, constraints)
                         for k, v in schema.schema.items()}
    return copied


# -- reading a template --
def _expanded_size(data, limit):
    """The size of ``data`` written as JSON (roughly), counting up to just
    past ``limit``: YAML aliases make a small text a huge structure, and
    heat-engine only ever receives it expanded."""
    size, todo = 0, [data]
    while todo and size <= limit:
        item = todo.pop()
        if isinstance(item, dict):
            size += 2
            for key, value in item.items():
                size += len(str(key)) + 4
                todo.append(value)
        elif isinstance(item, (list, tuple)):
            size += 2 + len(item)
            todo.extend(item)
        else:
            size += len(str(item)) + 2
    return size


def parse_template(text):
    """HOT text -> dict, exactly as heat-engine would receive it: Heat's
    parser and size limit (on the text and on the expanded structure),
    then a JSON round trip (what the API carries: map keys become
    strings)."""
    heat = _Heat.load()
    limit = heat.conf.max_template_size
    try:
        data = heat.template_format.parse(text)
    except heat.exception.RequestLimitExceeded as exc:
        raise TemplateError(str(exc))
    except ValueError as exc:
        raise TemplateError(str(exc))
    if _expanded_size(data, limit) > limit:
        raise TemplateError(
            'the template expands (YAML aliases) to more than %d bytes, '
            'the most Heat accepts (max_template_size): write it out '
            'without aliases, smaller' % limit)
    return json.loads(json.dumps(data))


def _convert(name, ptype, value):
    ptype = (ptype or 'string').lower()
    if ptype == 'number':
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            return int(str(value))
        except ValueError:
            try:
                return float(str(value))
            except ValueError:
                raise TemplateError('parameter %s: %r is not a number'
                                    % (name, value))
    if ptype == 'boolean':
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ('true', 'yes', 'on', '1', 't', 'y'):
            return True
        if text in ('false', 'no', 'off', '0', 'f', 'n'):
            return False
        raise TemplateError('parameter %s: %r is not a boolean'
                            % (name, value))
    if ptype == 'comma_delimited_list':
        if isinstance(value, list):
            return value
        return [v.strip() for v in str(value).split(',')] if value else []
    if ptype == 'json':
        if isinstance(value, (dict, list)):
            return value
        try:
            return json.loads(value)
        except (TypeError, ValueError) as exc:
            raise TemplateError('parameter %s: not JSON: %s' % (name, exc))
    return value if isinstance(value, str) else str(value)


#: the parameters Heat gives every stack; ``-P`` may set them too
PSEUDO_PARAMETERS = ('OS::stack_name', 'OS::stack_id', 'OS::project_id')


def resolve_parameters(template, overrides):
    """Parameter values: ``-P`` overrides over defaults, type-converted;
    Heat's pseudo parameters (``OS::stack_name``...) as given."""
    declared = template.get('parameters') or {}
    if not isinstance(declared, dict):
        raise TemplateError('parameters must be a map')
    unknown = sorted(set(overrides) - set(declared) - set(PSEUDO_PARAMETERS))
    if unknown:
        raise TemplateError('unknown parameter(s): %s (declared: %s)' % (
            ', '.join(unknown), ', '.join(sorted(declared)) or 'none'))
    values = {name: str(overrides[name]) for name in PSEUDO_PARAMETERS
              if name in overrides}
    for name, decl in declared.items():
        decl = decl if isinstance(decl, dict) else {}
        if name in overrides:
            raw = overrides[name]
        elif 'default' in decl:
            raw = decl['default']
        else:
            continue        # reported only if a cluster uses it
        values[name] = _convert(name, decl.get('type'), raw)
    return values


class _Unresolvable(Exception):
    def __init__(self, path, message):
        super().__init__('%s: %s' % (path, message))
        self.path = path
        self.message = message


def _get_param(args, params, path):
    if isinstance(args, list) and args:
        name, keys = args[0], args[1:]
    else:
        name, keys = args, []
    if not isinstance(name, str):
        raise _Unresolvable(path, 'get_param needs a parameter name')
    if name not in params:
        raise _Unresolvable(path, 'parameter %r has no value (declare it '
                            'with a default or pass -P %s=...)'
                            % (name, name))
    value = params[name]
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            raise _Unresolvable(path, 'get_param %r: no item %r'
                                % (name, key))
    return value


def resolve(value, params, path=''):
    """``value`` with every ``get_param`` replaced; other intrinsics raise
    _Unresolvable naming the property path."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, args), = value.items()
            if key == 'get_param':
                return _get_param(resolve(args, params, path), params, path)
            if key in INTRINSICS:
                raise _Unresolvable(
                    path or '(properties)',
                    '%s cannot be resolved offline' % key)
        return {k: resolve(v, params, '%s.%s' % (path, k) if path else k)
                for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, params, '%s[%d]' % (path, i))
                for i, v in enumerate(value)]
    return value


def clusters(template):
    """``[(resource name, raw properties)]`` of the cluster resources."""
    resources = template.get('resources') or {}
    if not isinstance(resources, dict):
        raise TemplateError('resources must be a map')
    return [(name, (body or {}).get('properties') or {})
            for name, body in resources.items()
            if isinstance(body, dict) and body.get('type') == CLUSTER_TYPE]


def _heat_path(path):
    """Heat's error path (``['properties', 'node_groups', 1, 'count']``)
    as our property path (``node_groups[1].count``)."""
    out = ''
    for part in path:
        if part == 'properties' and not out:
            continue
        if isinstance(part, int) or str(part).isdigit():
            out += '[%s]' % part
        else:
            out += ('.' if out else '') + str(part)
    return out


def check_properties(name, props, max_resources_per_stack=None,
                     node_set_size=layout_mod.DEFAULT_SET_SIZE):
    """The ClusterSpec of one cluster resource's (resolved) properties,
    checked as heat-engine checks them: the resource's Heat schema, then
    the core rules. Raises InvalidCluster."""
    heat = _Heat.load()
    if not isinstance(props, dict):
        raise exceptions.InvalidCluster([ValidationError(
            'properties', 'must be a map')])
    checked = heat.properties.Properties(heat.schema, props,
                                         section='properties')
    try:
        checked.validate(with_value=True)
        values = {key: checked[key] for key in heat.resource.PROPERTIES}
    except heat.exception.StackValidationFailed as exc:
        raise exceptions.InvalidCluster([ValidationError(
            _heat_path(exc.path), exc.error_message)])
    except (ValueError, TypeError) as exc:
        raise exceptions.InvalidCluster([ValidationError('', str(exc))])
    return validation.check(values, default_name=name,
                            max_resources_per_stack=max_resources_per_stack,
                            node_set_size=node_set_size)


def check_template(path, overrides, max_resources_per_stack=None,
                   node_set_size=layout_mod.DEFAULT_SET_SIZE):
    """``([(resource name, ClusterSpec)], [message, ...])`` for a file."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as exc:
        raise TemplateError('cannot read %s: %s' % (path, exc.strerror))
    return check_text(text, overrides, max_resources_per_stack, where=path,
                      node_set_size=node_set_size)


def check_text(text, overrides, max_resources_per_stack=None,
               where='the template',
               node_set_size=layout_mod.DEFAULT_SET_SIZE):
    """:func:`check_template` of a template's text."""
    template = parse_template(text)
    params = resolve_parameters(template, overrides)
    found = clusters(template)
    if not found:
        raise TemplateError('no %s resource in %s' % (CLUSTER_TYPE, where))
    specs, messages = [], []
    for name, raw in found:
        try:
            props = resolve(raw, params)
            specs.append((name, check_properties(
                name, props, max_resources_per_stack, node_set_size)))
        except _Unresolvable as exc:
            messages.append('%s: %s: %s (use a literal or get_param)'
                            % (name, exc.path, exc.message))
        except exceptions.InvalidCluster as exc:
            messages.extend('%s: %s' % (name, e) for e in exc.errors)
    return specs, messages


def render_spec(spec, node_set_size=layout_mod.DEFAULT_SET_SIZE):
    """The templates a new ``spec`` would create: the cluster's nested
    stack first, then each node set's child stack."""
    plugin = plugins.get_plugin(spec.plugin_name)
    layout = layout_mod.Layout.initial(spec, set_size=node_set_size)
    cluster = template_mod.generate(spec, layout, plugin.get_ports(spec),
                                    '%s-mgmt' % spec.name,
                                    PLACEHOLDER_PUBLIC_KEY)
    return [cluster] + [
        template_mod.node_set_template(res['properties'])
        for res in cluster['resources'].values()
        if res['type'] == template_mod.NODE_SET_TYPE]


# -- commands --
def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('must be at least 1, not %s'
                                         % text)
    return value


def _overrides(pairs):
    out = {}
    for pair in pairs or ():
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise TemplateError('-P takes key=value, not %r' % pair)
        out[key] = value
    return out


def _run_checked(args, on_valid):
    try:
        specs, messages = check_template(args.template,
                                         _overrides(args.parameter),
                                         args.max_resources_per_stack,
                                         node_set_size=args.node_set_size)
    except TemplateError as exc:
        print('error: %s' % exc, file=sys.stderr)
        return EXIT_USAGE
    if messages:
        for message in messages:
            print(message, file=sys.stderr)
        return EXIT_INVALID
    return on_valid(specs)


def cmd_validate(args):
    def ok(specs):
        print('OK')
        print(OFFLINE_NOTE, file=sys.stderr)
        return EXIT_OK
    return _run_checked(args, ok)


def cmd_render(args):
    def render(specs):
        docs = [doc for _name, spec in specs
                for doc in render_spec(spec, args.node_set_size)]
        yaml.safe_dump_all(docs, sys.stdout, explicit_start=True,
                           sort_keys=False, default_flow_style=False,
                           width=4096)
        return EXIT_OK
    return _run_checked(args, render)


def _template_command(subparsers, name, func, help_text):
    parser = subparsers.add_parser(name, help=help_text)
    parser.add_argument('template', help='a HOT template file')
    parser.add_argument('-P', '--parameter', action='append', default=[],
                        metavar='KEY=VALUE',
                        help='template parameter (repeatable)')
    parser.add_argument('--max-resources-per-stack', type=int,
                        default=DEFAULT_MAX_RESOURCES, metavar='N',
                        help='heat-engine\'s max_resources_per_stack '
                             '(default %(default)s; -1: unlimited)')
    parser.add_argument('--node-set-size', type=_positive,
                        default=layout_mod.DEFAULT_SET_SIZE, metavar='N',
                        help='the engine\'s [savanna] node_set_size '
                             '(default %(default)s): nodes per child stack '
                             'of the nested stack')
    parser.set_defaults(func=func)


def build_parser():
    parser = argparse.ArgumentParser(
        prog='heat-savanna',
        description='OS::Savanna::Cluster tools: render and validate '
        'cluster templates offline.')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    _template_command(sub, 'render', cmd_render,
                      'print the nested stack of each cluster as YAML')
    _template_command(sub, 'validate', cmd_validate,
                      'check each cluster of a template')
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()(sub)
        except Exception as exc:   # one broken add-on must not stop us
            print('warning: subcommand %r unavailable: %s' % (ep.name, exc),
                  file=sys.stderr)
    return parser


def main(argv=None):
    # Heat's and the add-ons' imports warn that eventlet (a dependency of
    # theirs) is deprecated: nothing a template author can act on
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    args = build_parser().parse_args(argv)
    return args.func(args) or EXIT_OK


if __name__ == '__main__':
    sys.exit(main())
