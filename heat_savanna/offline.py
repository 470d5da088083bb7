"""A HOT template read offline as heat-engine receives it.

Heat's own template parser and size limit (``max_template_size``: on the
text as written and on the structure its YAML aliases expand to, since
the engine receives it expanded), template parameters (``-P`` overrides
over defaults, type-converted, and Heat's pseudo parameters) and
``get_param``; any other intrinsic function is reported with the
property path it is in, not guessed. :class:`Heat` holds the Heat pieces
and the heat-savanna resources' property schemas without their custom
constraints (the lookups that need a cloud). :mod:`heat_savanna.cli`
checks the resources of a template read here.
"""

import copy
import json
import warnings

from heat_savanna.common import exceptions
from heat_savanna.common.exceptions import ValidationError

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
class Heat(object):
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
            from heat_savanna.resources import job
        del heat_config
        self.conf = cfg.CONF
        self.exception = exception
        self.template_format = template_format
        self.properties = properties
        self.resource = cluster.SavannaCluster
        self.schema = _offline_schema(self.resource, properties, constraints)
        self.job_resource = job.SavannaJob
        self.job_schema = _offline_schema(self.job_resource, properties,
                                          constraints)


def _offline_schema(resource_class, properties, constraints):
    return {name: _offline(schema, properties, constraints)
            for name, schema in resource_class.properties_schema.items()}


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
    heat = Heat.load()
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


class Unresolvable(Exception):
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
        raise Unresolvable(path, 'get_param needs a parameter name')
    if name not in params:
        raise Unresolvable(path, 'parameter %r has no value (declare it '
                           'with a default or pass -P %s=...)'
                           % (name, name))
    value = params[name]
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            raise Unresolvable(path, 'get_param %r: no item %r'
                               % (name, key))
    return value


def resolve(value, params, path=''):
    """``value`` with every ``get_param`` replaced; other intrinsics raise
    Unresolvable naming the property path."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, args), = value.items()
            if key == 'get_param':
                return _get_param(resolve(args, params, path), params, path)
            if key in INTRINSICS:
                raise Unresolvable(
                    path or '(properties)',
                    '%s cannot be resolved offline' % key)
        return {k: resolve(v, params, '%s.%s' % (path, k) if path else k)
                for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, params, '%s[%d]' % (path, i))
                for i, v in enumerate(value)]
    return value


def heat_path(path):
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


def checked_values(schema, names, props):
    """``{name: value}`` of ``props`` checked against a resource's
    (offline) property ``schema`` by Heat's own Properties, as the engine
    checks them first, defaults filled in. Raises InvalidCluster with one
    ValidationError naming the property path."""
    heat = Heat.load()
    if not isinstance(props, dict):
        raise exceptions.InvalidCluster([ValidationError(
            'properties', 'must be a map')])
    checked = heat.properties.Properties(schema, props,
                                         section='properties')
    try:
        checked.validate(with_value=True)
        return {key: checked[key] for key in names}
    except heat.exception.StackValidationFailed as exc:
        raise exceptions.InvalidCluster([ValidationError(
            heat_path(exc.path), exc.error_message)])
    except (ValueError, TypeError) as exc:
        raise exceptions.InvalidCluster([ValidationError('', str(exc))])
