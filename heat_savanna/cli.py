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
   its YAML aliases expand, since the engine receives it expanded), see
   :mod:`heat_savanna.offline`;
2. the resource's own properties schema (``SavannaCluster.
   properties_schema`` through ``heat.engine.properties.Properties``:
   types, required properties, ranges, lengths, patterns). Custom
   constraints (that the image, flavor, networks, keypair and volume type
   exist) need the cloud and are skipped; ``validate`` says so;
3. the cluster rules (``heat_savanna.core.validation.check``), with the
   engine's ``max_resources_per_stack`` (``--max-resources-per-stack``)
   and the plugin's ``[savanna] node_set_size`` (``--node-set-size``);
4. each ``OS::Savanna::Job``: its properties schema, then the job rules
   of ``heat_savanna.core.job`` the resource's validate runs (the job
   definition, ``cluster`` naming an OS::Savanna::Cluster of the template
   with ``get_resource``, a job type the cluster's plugin runs), in the
   engine's words.

Heat must be installed (it is wherever the resource runs); without it the
commands say so. Further subcommands come from the ``heat_savanna.cli``
entry-point group: each entry point is a ``register(subparsers)`` callable
whose parsers set ``func(args) -> exit status`` (the sandbox adds
``sandbox``, the lead ``status``).

Only ``get_param`` can be resolved without a cloud; any other intrinsic
function inside a cluster's or a job's properties is reported, not
guessed (a job's ``cluster`` is the exception: it is read as written).
"""

import argparse
import sys
import warnings
from importlib import metadata

import yaml

from heat_savanna.common import exceptions
from heat_savanna.core import job as core_job
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from heat_savanna.core import template as template_mod
from heat_savanna.core import validation
from heat_savanna import offline
from heat_savanna.offline import TemplateError
from heat_savanna import plugins

CLUSTER_TYPE = core_job.CLUSTER_RESOURCE_TYPE
JOB_TYPE = core_job.RESOURCE_TYPE
ENTRY_POINT_GROUP = 'heat_savanna.cli'
# stands in for the key Heat generates at create time
PLACEHOLDER_PUBLIC_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNhdmFubmEt'
                          'cmVuZGVyLXBsYWNlaG9sZGVyLWtleS0tIA== '
                          'heat-savanna-render-placeholder')
#: what a job's {get_resource: NAME} resolves to here (in the engine: the
#: cluster's reference id)
PLACEHOLDER_REFERENCE = 'cluster-reference'
#: heat-engine's default ``max_resources_per_stack``
DEFAULT_MAX_RESOURCES = 1000
OFFLINE_NOTE = ('note: not checked offline: that the images, flavors, '
                'networks, keypair and volume types named exist (they need '
                'the cloud; heat-engine checks them)')

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def resources_of(template, resource_type):
    """``[(resource name, raw properties)]`` of the resources of a type."""
    resources = template.get('resources') or {}
    if not isinstance(resources, dict):
        raise TemplateError('resources must be a map')
    return [(name, (body or {}).get('properties') or {})
            for name, body in resources.items()
            if isinstance(body, dict) and body.get('type') == resource_type]


def clusters(template):
    """``[(resource name, raw properties)]`` of the cluster resources."""
    return resources_of(template, CLUSTER_TYPE)


def cluster_values(props):
    """A cluster resource's (resolved) properties checked against the
    resource's Heat schema, defaults filled in. Raises InvalidCluster."""
    if isinstance(props, dict):
        errors = validation.whole_number_errors(props.get('node_groups'))
        if errors:
            raise exceptions.InvalidCluster(errors)
    heat = offline.Heat.load()
    return offline.checked_values(heat.schema, heat.resource.PROPERTIES,
                                  props)


def check_properties(name, props, max_resources_per_stack=None,
                     node_set_size=layout_mod.DEFAULT_SET_SIZE):
    """The ClusterSpec of one cluster resource's (resolved) properties,
    checked as heat-engine checks them: the resource's Heat schema, then
    the core rules. Raises InvalidCluster."""
    return validation.check(cluster_values(props), default_name=name,
                            max_resources_per_stack=max_resources_per_stack,
                            node_set_size=node_set_size)


def check_job(raw, params, clusters_found):
    """What is wrong with one job resource's raw properties, in the words
    of the engine's validate: the resource's Heat schema, then the rules
    of :func:`heat_savanna.core.job.job_errors`.

    :param clusters_found: ``{name: (plugin name, version, transport) or
        None}`` of the template's cluster resources (None: the cluster's
        properties are refused, its own messages say why).
    """
    if not isinstance(raw, dict):
        return ['properties: must be a map']
    raw = dict(raw)
    reference = raw.pop(core_job.CLUSTER, None)
    try:
        props = offline.resolve(raw, params)
    except offline.Unresolvable as exc:
        return ['%s: %s (use a literal or get_param)'
                % (exc.path, exc.message)]
    if reference is not None:
        props[core_job.CLUSTER] = reference if not isinstance(
            reference, (dict, list)) else PLACEHOLDER_REFERENCE
    heat = offline.Heat.load()
    try:
        values = offline.checked_values(heat.job_schema, core_job.PROPERTIES,
                                        props)
    except exceptions.InvalidCluster as exc:
        return [str(e) for e in exc.errors]
    name = core_job.cluster_name(reference)
    return core_job.job_errors(values, name in clusters_found,
                               clusters_found.get(name))


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
    template = offline.parse_template(text)
    params = offline.resolve_parameters(template, overrides)
    found = clusters(template)
    if not found:
        raise TemplateError('no %s resource in %s' % (CLUSTER_TYPE, where))
    specs, messages, plugin_of = [], [], {}
    for name, raw in found:
        plugin_of[name] = None
        try:
            values = cluster_values(offline.resolve(raw, params))
            plugin_of[name] = (values[model.PLUGIN_NAME],
                               values[model.PLUGIN_VERSION],
                               values[model.TRANSPORT])
            specs.append((name, validation.check(
                values, default_name=name,
                max_resources_per_stack=max_resources_per_stack,
                node_set_size=node_set_size)))
        except offline.Unresolvable as exc:
            messages.append('%s: %s: %s (use a literal or get_param)'
                            % (name, exc.path, exc.message))
        except exceptions.InvalidCluster as exc:
            messages.extend('%s: %s' % (name, e) for e in exc.errors)
    for name, raw in resources_of(template, JOB_TYPE):
        messages.extend('%s: %s' % (name, e)
                        for e in check_job(raw, params, plugin_of))
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
                      'check each cluster and job of a template')
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
