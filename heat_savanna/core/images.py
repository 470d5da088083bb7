"""What an image says it was made for, checked before anything boots.

An image may carry properties naming the plugin, the version and the
transport it was made for (as Sahara's images carried tags for plugin and
version). A cluster whose node group would boot an image made for
something else is refused at validate time, naming the image and the
fix, instead of failing minutes later in the on-node image check (which
stays, for images without these properties).

Pure: the caller reads the images' properties (Glance) and passes them.
"""

from heat_savanna.common.exceptions import ValidationError

#: the image properties read, and what each names
IMAGE_PROPERTIES = (PLUGIN, VERSION, TRANSPORT) = (
    'savanna_plugin', 'savanna_version', 'savanna_transport')


def version_matches(made_for, version):
    """``made_for`` (e.g. ``4.3``) names ``version`` (e.g. ``4.3.0``): its
    parts are the first parts of the version."""
    want = str(made_for).strip().split('.')
    have = str(version).strip().split('.')
    return have[:len(want)] == want


def _problem(image, props, spec):
    plugin = props.get(PLUGIN)
    if plugin and plugin != spec.plugin_name:
        return ('image %r is made for plugin %s, not %s' % (
            image, plugin, spec.plugin_name),
            'use an image made for %s (its %s property says which)' % (
                spec.plugin_name, PLUGIN))
    version = props.get(VERSION)
    if version and not version_matches(version, spec.plugin_version):
        return ('image %r is made for %s %s, not %s' % (
            image, spec.plugin_name, version, spec.plugin_version),
            'use an image made for %s %s, or set plugin_version to the '
            "image's" % (spec.plugin_name, spec.plugin_version))
    transport = props.get(TRANSPORT)
    if transport and transport != spec.transport:
        return ('image %r is made for transport %s, not %s' % (
            image, transport, spec.transport),
            'set transport: %s, or use an image made for %s' % (
                transport, spec.transport))
    return None


def image_errors(spec, properties):
    """ValidationErrors of ``spec`` (a ClusterSpec) whose node groups
    would boot an image made for another plugin, version or transport.
    ``properties``: ``{image: {property: value}}`` of the images that
    could be read (an image missing from it is not judged)."""
    errors, seen = [], set()
    for index, group in enumerate(spec.node_groups):
        path = 'image' if group.image == spec.image else \
            'node_groups[%d].image' % index
        if (path, group.image) in seen or group.image not in properties:
            continue
        seen.add((path, group.image))
        problem = _problem(group.image, properties[group.image] or {}, spec)
        if problem:
            errors.append(ValidationError(path, *problem))
    return errors
