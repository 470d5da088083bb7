"""Sphinx directives that render reference pages from the code itself.

``.. savanna-resource-reference::`` renders every property (with the
``node_groups`` map keys) and every attribute of ``OS::Savanna::Cluster``
from the resource class's schema, turned into the same maps Heat's
``GET /v1/{project}/resource_types/OS::Savanna::Cluster`` API returns
(``properties.Schema.from_legacy`` / ``attributes.Schema.from_attribute``,
then ``dict()``). ``.. savanna-plugin-reference::`` renders each
provisioning plugin's versions, processes and its configuration catalog
(every section and key with its kind, default, meaning and the processes a
change must restart: ``heat_savanna.plugins.catalog``).
Generating them means the reference cannot drift from the code.

The rendering functions (``resource_reference_lines``,
``plugin_reference_lines``) are plain functions returning reST lines so
that tests can check them without running Sphinx.
"""

import inspect
import json
import re
import warnings

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

RESOURCE_CLASS = 'heat_savanna.resources.cluster:SavannaCluster'
RESOURCE_TYPE = 'OS::Savanna::Cluster'

IN_PLACE = 'updates in place'
REPLACES = 'replaces the cluster'
NG_FIXED = ('refused for an existing group (add a new group with the new '
            'value and scale the old one to 0)')
NG_NESTED = ('applied through the node sets: Heat updates the existing '
             'nodes\' resources (no server is replaced)')
NG_RENAMED = ('a new name is a new group: the old group\'s nodes are '
              'removed, the new group\'s built')


def _select_oslo_service_backend():
    # Heat 27 runs on oslo.service's threading backend, which must be
    # chosen before anything imports heat.engine (else the first import
    # picks eventlet and Heat fails with BackendAlreadySelected).
    try:
        from oslo_service import backend
    except ImportError:    # pragma: no cover - older oslo.service
        return
    try:
        backend.init_backend(backend.BackendType.THREADING)
    except Exception:      # already selected, by us or by the caller
        pass


def load_resource_class(path=RESOURCE_CLASS):
    """Import the resource class (which needs Heat importable)."""
    _select_oslo_service_backend()
    module_name, _sep, cls_name = path.partition(':')
    with warnings.catch_warnings():
        # heat imports pull deprecation warnings (eventlet); they are not
        # the docs' business and would clutter a -W build's output.
        warnings.simplefilter('ignore')
        module = __import__(module_name, fromlist=[cls_name])
    return getattr(module, cls_name)


def api_schema(cls):
    """``(properties, attributes)``: the resource-type API's two maps.

    ``attributes`` holds the class's own attributes first, then Heat's
    base attributes (``show``), as the API lists them.
    """
    from heat.engine import attributes
    from heat.engine import properties
    from heat.engine import support

    props = {}
    for name, schema in cls.properties_schema.items():
        schema = properties.Schema.from_legacy(schema)
        if schema.implemented and \
                schema.support_status.status != support.HIDDEN:
            props[name] = dict(schema)
    attrs = {}
    for source in (cls.attributes_schema, cls.base_attributes_schema):
        for name, schema in source.items():
            schema = attributes.Schema.from_attribute(schema)
            if schema.support_status.status != support.HIDDEN:
                attrs[name] = dict(schema)
    return props, attrs


def _literal(value):
    return '``%s``' % json.dumps(value, sort_keys=True)


def constraint_text(con):
    """One constraint map (API form) as a short reST phrase."""
    desc = con.get('description')
    if 'range' in con or 'length' in con:
        kind = 'range' if 'range' in con else 'length'
        bounds = con[kind]
        parts = []
        if 'min' in bounds:
            parts.append('min %s' % bounds['min'])
        if 'max' in bounds:
            parts.append('max %s' % bounds['max'])
        text = '%s %s' % (kind, ', '.join(parts))
    elif 'allowed_values' in con:
        text = 'one of %s' % ', '.join(
            _literal(v) for v in con['allowed_values'])
    elif 'allowed_pattern' in con:
        text = 'matches ``%s``' % con['allowed_pattern']
    elif 'custom_constraint' in con:
        text = 'a valid ``%s``' % con['custom_constraint']
    else:
        text = ', '.join('%s: %s' % (k, _literal(v))
                         for k, v in sorted(con.items())
                         if k != 'description')
    if desc:
        text += ' (%s)' % desc
    return text


def _item_type(schema):
    inner = (schema.get('schema') or {}).get('*')
    if schema['type'] == 'list' and inner:
        return 'list of %s' % inner['type']
    return schema['type']


def _field_lines(schema, update_text, indent):
    pad = ' ' * indent
    lines = [pad + ':type: %s' % _item_type(schema),
             pad + ':required: %s' % ('yes' if schema.get('required')
                                      else 'no')]
    if 'default' in schema:
        lines.append(pad + ':default: %s' % _literal(schema['default']))
    for con in schema.get('constraints') or []:
        lines.append(pad + ':constraint: %s' % constraint_text(con))
    if update_text:
        lines.append(pad + ':on update: %s' % update_text)
    return lines


def _description(schema, indent, where):
    text = (schema.get('description') or '').strip()
    if not text:
        raise ValueError('%s has no description' % where)
    return [' ' * indent + line for line in text.splitlines()]


def map_keys(prop_schema):
    """The key schemas of a list-of-maps property (node_groups)."""
    inner = (prop_schema.get('schema') or {}).get('*') or {}
    if inner.get('type') == 'map':
        return inner.get('schema') or {}
    return {}


def own_keys(prop_schema):
    """The key schemas of a map property with declared keys
    (access_cidrs)."""
    if prop_schema.get('type') != 'map':
        return {}
    return prop_schema.get('schema') or {}


def resource_reference_lines(cls=None):
    """reST lines of the whole property and attribute reference."""
    cls = cls or load_resource_class()
    props, attrs = api_schema(cls)
    out = ['Properties', '----------', '',
           'Generated from ``%s.properties_schema``; the same facts '
           '``openstack orchestration resource type show %s`` prints. '
           '"%s" means a stack update changing the property is applied '
           'to the running cluster; "%s" means Heat builds a new cluster '
           'and deletes the old one.' % (cls.__name__, RESOURCE_TYPE,
                                         IN_PLACE, REPLACES), '']
    from heat_savanna.core import plan
    for name, schema in props.items():
        update = IN_PLACE if schema.get('update_allowed') else REPLACES
        if schema.get('immutable'):
            update = 'cannot change (the update fails)'
        out += ['.. savanna-property:: %s' % name, '']
        out += _description(schema, 3, 'property %s' % name) + ['']
        out += _field_lines(schema, update, 3) + ['']
        keys = map_keys(schema)
        if keys:
            out += ['   Keys of each ``%s`` item:' % name, '']
            for key, sub in keys.items():
                if sub.get('update_allowed'):
                    key_update = IN_PLACE
                elif key == 'name':
                    key_update = NG_RENAMED
                elif key in plan.FIXED_GROUP_KEYS:
                    key_update = NG_FIXED
                else:
                    key_update = NG_NESTED
                out += ['   .. savanna-property:: %s.%s' % (name, key), '']
                out += _description(sub, 6, 'property %s.%s'
                                    % (name, key)) + ['']
                out += _field_lines(sub, key_update, 6) + ['']
        keys = own_keys(schema)
        if keys:
            out += ['   Keys of ``%s``:' % name, '']
            for key, sub in keys.items():
                out += ['   .. savanna-property:: %s.%s' % (name, key), '']
                out += _description(sub, 6, 'property %s.%s'
                                    % (name, key)) + ['']
                out += _field_lines(sub, update, 6) + ['']
    out += ['Attributes', '----------', '',
            'Generated from ``%s.attributes_schema`` (and Heat\'s base '
            'attributes); read them with ``get_attr`` or '
            '``openstack stack resource show --with-attr NAME``.'
            % cls.__name__, '']
    for name, schema in attrs.items():
        out += ['.. savanna-attribute:: %s' % name, '']
        out += _description(schema, 3, 'attribute %s' % name) + ['']
        if schema.get('type'):
            out += ['   :type: %s' % schema['type'], '']
    return out


def rst_text(text):
    """Plain text made safe inside reST (no accidental emphasis, literal
    or reference markup)."""
    text = str(text).replace('\\', '\\\\')
    for char in '*`|':
        text = text.replace(char, '\\' + char)
    return re.sub(r'(\w)_(?=\W|$)', r'\1\\_', text)


def _restart_text(restart, everything):
    if not restart:
        return 'none'
    if set(restart) == set(everything):
        return 'every daemon'
    return ', '.join('``%s``' % p for p in restart)


def _entry_notes(entry):
    notes = []
    if entry.cluster_only:
        notes.append('cluster_configs only')
    if entry.opens:
        notes.append('port opened %s' % (
            'between cluster members and to ``access_cidrs.web_ui``'
            if entry.opens == 'public'
            else 'between cluster members'))
    return notes


def catalog_lines(catalog):
    """reST lines of one :class:`ConfigCatalog`: per section, a table of
    the declared keys (kind, default, meaning, processes a change must
    restart) and the rules for other keys."""
    out = []
    everything = catalog.all_processes()
    for section in catalog.sections:
        title = 'Section ``%s``' % section.name
        out += [title, '^' * len(title), '', rst_text(section.description),
                '',
                '.. list-table::',
                '   :header-rows: 1',
                '   :widths: 22 22 12 32 12', '',
                '   * - Key', '     - Value', '     - Default',
                '     - Meaning', '     - Restart on change']
        for entry in section.entries:
            default = 'unset' if entry.default is None else \
                _literal(entry.default)
            meaning = rst_text(entry.description)
            notes = _entry_notes(entry)
            if notes:
                meaning += ' (%s)' % '; '.join(notes)
            out += ['   * - ``%s``' % entry.key,
                    '     - %s' % rst_text(entry.kind.text),
                    '     - %s' % default,
                    '     - %s' % meaning,
                    '     - %s' % _restart_text(entry.restart, everything)]
        out.append('')
        if section.other is None:
            out += ['No other key is accepted in ``%s``.' % section.name, '']
            continue
        out += ['Other keys: %s. Each is checked by the first rule its '
                'name matches:' % rst_text(section.other.key_text), '']
        for rule in section.other.rules:
            match = ('names matching ``%s``' % rule.regex if rule.regex
                     else 'any other name')
            text = '%s: %s, %s' % (match, rst_text(rule.kind.text),
                                   rst_text(rule.description))
            out.append('* %s; restart on change: %s' % (
                text, _restart_text(rule.restart, everything)))
        out.append('')
    return out


def plugin_reference_lines(names=None):
    """reST lines describing every installed provisioning plugin, its
    configuration generated from its catalog."""
    from heat_savanna import plugins
    names = names or ('spark', 'vanilla')
    out = []
    for name in names:
        plugin = plugins.get_plugin(name)
        title = '``%s``: %s' % (name, plugin.title or name)
        out += [title, '~' * len(title), '']
        default = plugin.get_default_version()
        for version in plugin.get_versions():
            out += ['Version ``%s``%s' % (
                version, ' (the default)' if version == default else ''),
                '']
            out += ['* Processes: ' + '; '.join(
                '%s (%s)' % (service, ', '.join(
                    '``%s``' % p for p in procs))
                for service, procs in
                plugin.get_node_processes(version).items())]
            out += ['* Mandatory processes (their failure fails the '
                    'cluster): ' + ', '.join(
                        '``%s``' % p for p in
                        plugin.get_mandatory_processes(version)), '']
            out += catalog_lines(plugin.get_config_catalog(version))
    return out


class _GeneratedDirective(SphinxDirective):
    has_content = False

    def lines(self):
        raise NotImplementedError

    def run(self):
        try:
            lines = self.lines()
        except Exception as exc:
            raise self.error('cannot generate the reference: %s: %s'
                             % (type(exc).__name__, exc))
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(
            self.state, StringList(lines, source='<generated>'), container,
            self.content_offset)
        return container.children


class ModuleDocstring(SphinxDirective):
    """``.. savanna-docstring:: module.path``: a module's docstring, shown
    verbatim as a literal block (docstrings are plain text, not always
    valid reST, and must not break a -W build)."""

    required_arguments = 1
    has_content = False

    def run(self):
        name = self.arguments[0]
        try:
            _select_oslo_service_backend()
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                module = __import__(name, fromlist=['_'])
        except Exception as exc:
            raise self.error('cannot import %s: %s' % (name, exc))
        text = inspect.cleandoc(module.__doc__ or '')
        if not text:
            raise self.error('%s has no docstring' % name)
        block = nodes.literal_block(text, text)
        block['language'] = 'text'
        return [block]


class ResourceReference(_GeneratedDirective):
    """``.. savanna-resource-reference::``"""

    def lines(self):
        return resource_reference_lines()


class PluginReference(_GeneratedDirective):
    """``.. savanna-plugin-reference::``"""

    def lines(self):
        return plugin_reference_lines()


def setup(app):
    # Before autodoc or a directive imports anything that imports Heat.
    _select_oslo_service_backend()
    app.add_directive('savanna-resource-reference', ResourceReference)
    app.add_directive('savanna-plugin-reference', PluginReference)
    app.add_directive('savanna-docstring', ModuleDocstring)
    app.add_object_type('savanna-property', 'savanna-prop',
                        objname='resource property',
                        indextemplate='pair: %s; property')
    app.add_object_type('savanna-attribute', 'savanna-attr',
                        objname='resource attribute',
                        indextemplate='pair: %s; attribute')
    setup_jobs(app)
    return {'version': '1.0', 'parallel_read_safe': True,
            'parallel_write_safe': True}


# -- OS::Savanna::Job ------------------------------------------------------
JOB_CLASS = 'heat_savanna.resources.job:SavannaJob'
JOB_TYPE = 'OS::Savanna::Job'
JOB_REPLACES = ('replaces the job (the old job\'s running executions are '
                'killed)')


def job_reference_lines(cls=None):
    """reST lines of OS::Savanna::Job's properties and attributes, one
    section level below the page's (``~``)."""
    cls = cls or load_resource_class(JOB_CLASS)
    props, attrs = api_schema(cls)
    out = ['Properties', '~~~~~~~~~~', '',
           'Generated from ``%s.properties_schema``, as ``openstack '
           'orchestration resource type show %s`` prints it.'
           % (cls.__name__, JOB_TYPE), '']
    for name, schema in props.items():
        update = IN_PLACE if schema.get('update_allowed') else JOB_REPLACES
        out += ['.. savanna-job-property:: %s' % name, '']
        out += _description(schema, 3, 'property %s' % name) + ['']
        out += _field_lines(schema, update, 3) + ['']
        keys = (schema.get('schema') or {}) if schema['type'] == 'map' \
            else {}
        if keys:
            out += ['   Keys of ``%s``:' % name, '']
            for key, sub in keys.items():
                out += ['   .. savanna-job-property:: %s.%s' % (name, key),
                        '']
                out += _description(sub, 6, 'property %s.%s'
                                    % (name, key)) + ['']
                out += _field_lines(sub, None, 6) + ['']
    out += ['Attributes', '~~~~~~~~~~', '',
            'Generated from ``%s.attributes_schema`` (and Heat\'s base '
            'attributes); each is read live from the master when asked '
            'for.' % cls.__name__, '']
    for name, schema in attrs.items():
        out += ['.. savanna-job-attribute:: %s' % name, '']
        out += _description(schema, 3, 'attribute %s' % name) + ['']
        if schema.get('type'):
            out += ['   :type: %s' % schema['type'], '']
    return out


class JobReference(_GeneratedDirective):
    """``.. savanna-job-reference::``"""

    def lines(self):
        return job_reference_lines()


def setup_jobs(app):
    """Registers the job reference; called by :func:`setup`."""
    app.add_directive('savanna-job-reference', JobReference)
    app.add_object_type('savanna-job-property', 'savanna-job-prop',
                        objname='job property',
                        indextemplate='pair: %s; job property')
    app.add_object_type('savanna-job-attribute', 'savanna-job-attr',
                        objname='job attribute',
                        indextemplate='pair: %s; job attribute')
