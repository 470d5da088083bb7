"""The forwarding every plugin made of modules shares.

A plugin package splits its work by concern (see
:mod:`heat_savanna.plugins.base`); its plugin class then only names its
modules and adds what differs: :class:`PackagedPlugin` forwards the rest.
"""

from heat_savanna.common import exceptions
from heat_savanna.plugins import base


class PackagedPlugin(base.ProvisioningPlugin):
    """A plugin laid out as the package split of
    :mod:`heat_savanna.plugins.base`'s doc: every call goes to the module
    that does it. A subclass names its modules and mandatory processes,
    and adds only what differs (the ports of its services, its
    endpoints).

    The modules: ``catalog`` (``VERSIONS``, ``PROCESSES``, ``CATALOG``,
    ``catalog_for``), ``validation`` (``validate``, ``validate_scaling``),
    ``start`` (``create_steps``, ``health_steps``, ``watch``), ``scaling``
    (``scale_up_steps``, ``membership_steps``, ``decommission_steps``),
    ``reconfigure`` (``reconfigure_steps``) and ``jobs`` (``JOB_TYPES``,
    ``job_command``).
    """

    catalog = validation = start = scaling = reconfigure = jobs = None
    #: processes the cluster cannot live without
    mandatory_processes = ()

    def get_versions(self):
        return list(self.catalog.VERSIONS)

    def get_node_processes(self, version):
        return {k: list(v) for k, v in self.catalog.PROCESSES.items()}

    def get_mandatory_processes(self, version):
        return list(self.mandatory_processes)

    def get_config_catalog(self, version):
        return self.catalog.catalog_for(version)

    def validate(self, cluster):
        """The plugin's own rules: its config keys' kinds (the catalog),
        then its topology (``validation.validate``)."""
        try:
            return self.catalog.CATALOG.check_cluster(cluster) + \
                self.validation.validate(cluster)
        except Exception as exc:  # noqa: bad input must not crash validate
            return [exceptions.ValidationError(
                '', 'invalid cluster definition: %s' % exc)]

    def validate_scaling(self, cluster, new_counts):
        return self.validation.validate_scaling(cluster, new_counts)

    def get_ports(self, cluster):
        """The ports the configuration names (see ``ConfigCatalog.ports``),
        then :meth:`service_ports`."""
        configured = [base.PortRule(port, public=opens == 'public',
                                    description=label)
                      for port, opens, label in
                      self.catalog.CATALOG.ports(cluster)]
        return configured + self.service_ports(cluster)

    def service_ports(self, cluster):
        """:class:`~heat_savanna.plugins.base.PortRule` of the ports no
        configuration key names (fixed or ephemeral ones of the processes
        ``cluster`` runs)."""
        return []

    def create_steps(self, cluster_info):
        return self.start.create_steps(cluster_info)

    def scale_up_steps(self, cluster_info, new_nodes):
        return self.scaling.scale_up_steps(cluster_info, new_nodes)

    def reconfigure_steps(self, cluster_info, nodes, restarts):
        return self.reconfigure.reconfigure_steps(cluster_info, nodes,
                                                  restarts)

    def membership_steps(self, cluster_info):
        return self.scaling.membership_steps(cluster_info)

    def decommission_steps(self, cluster_info, leaving_nodes):
        return self.scaling.decommission_steps(cluster_info, leaving_nodes)

    def health_steps(self, cluster_info):
        return self.start.health_steps(cluster_info)

    def watch(self, cluster_info):
        return self.start.watch(cluster_info)

    @property
    def job_types(self):
        return self.jobs.JOB_TYPES

    def job_command(self, cluster_info, job):
        return self.jobs.job_command(cluster_info, job)
