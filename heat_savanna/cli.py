"""``heat-savanna``: render and validate OS::Savanna::Cluster templates
offline, with the very code the Heat resource runs.

``render TEMPLATE [-P k=v ...]`` prints the nested stacks generated for
each ``OS::Savanna::Cluster``: one YAML document for the cluster's nested
stack, then one per node set (the child stack of each OS::Savanna::NodeSet);
``validate TEMPLATE [-P k=v ...]`` prints ``OK`` or one message per line.
Further subcommands come from the ``heat_savanna.cli`` entry-point group:
each entry point is a ``register(subparsers)`` callable whose parsers set
``func(args) -> exit status`` (the sandbox adds ``sandbox``, the lead
``status``).

Only ``get_param`` can be resolved without a cloud; any other intrinsic
function inside a cluster's properties is reported, not guessed.
"""

import argparse
import json
import sys
from importlib import metadata

import yaml

from heat_savanna.common import exceptions
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


# -- reading a template --
VERSION_KEYS = ('heat_template_version', 'HeatTemplateFormatVersion',
                'AWSTemplateFormatVersion')


def parse_template(text):
    """HOT text -> dict, with Heat's own parser when Heat is installed.

    Heat's ``simple_parse`` (its YAML loader: dates stay strings, JSON
    accepted) plus the version-key check of ``parse``; ``parse`` itself
    would need Heat's config options registered for its size limit.
    """
    try:
        from heat.common import template_format
    except ImportError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise TemplateError('not valid YAML: %s' % exc)
    else:
        try:
            data = template_format.simple_parse(text)
        except ValueError as exc:
            raise TemplateError(str(exc))
    if not isinstance(data, dict):
        raise TemplateError('the template is not a YAML mapping')
    if not any(key in data for key in VERSION_KEYS):
        raise TemplateError('template format version not found (add '
                            'heat_template_version: 2021-04-16)')
    return data


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


def resolve_parameters(template, overrides):
    """Parameter values: ``-P`` overrides over defaults, type-converted."""
    declared = template.get('parameters') or {}
    if not isinstance(declared, dict):
        raise TemplateError('parameters must be a map')
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError('unknown parameter(s): %s (declared: %s)' % (
            ', '.join(unknown), ', '.join(sorted(declared)) or 'none'))
    values = {}
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


def check_template(path, overrides):
    """``([(resource name, ClusterSpec)], [message, ...])`` for a file."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as exc:
        raise TemplateError('cannot read %s: %s' % (path, exc.strerror))
    template = parse_template(text)
    params = resolve_parameters(template, overrides)
    found = clusters(template)
    if not found:
        raise TemplateError('no %s resource in %s' % (CLUSTER_TYPE, path))
    specs, messages = [], []
    for name, raw in found:
        try:
            props = resolve(raw, params)
            specs.append((name, validation.check(props, default_name=name)))
        except _Unresolvable as exc:
            messages.append('%s: %s: %s (use a literal or get_param)'
                            % (name, exc.path, exc.message))
        except exceptions.InvalidCluster as exc:
            messages.extend('%s: %s' % (name, e) for e in exc.errors)
    return specs, messages


def render_spec(spec):
    """The templates a new ``spec`` would create: the cluster's nested
    stack first, then each node set's child stack."""
    plugin = plugins.get_plugin(spec.plugin_name)
    layout = layout_mod.Layout.initial(spec)
    cluster = template_mod.generate(spec, layout, plugin.get_ports(spec),
                                    '%s-mgmt' % spec.name,
                                    PLACEHOLDER_PUBLIC_KEY)
    return [cluster] + [
        template_mod.node_set_template(res['properties'])
        for res in cluster['resources'].values()
        if res['type'] == template_mod.NODE_SET_TYPE]


# -- commands --
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
                                         _overrides(args.parameter))
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
        return EXIT_OK
    return _run_checked(args, ok)


def cmd_render(args):
    def render(specs):
        docs = [doc for _name, spec in specs for doc in render_spec(spec)]
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
    args = build_parser().parse_args(argv)
    return args.func(args) or EXIT_OK


if __name__ == '__main__':
    sys.exit(main())
