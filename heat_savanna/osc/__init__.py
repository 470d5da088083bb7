"""The ``openstack savanna`` commands: a python-openstackclient plugin.

It reads and signals ``OS::Savanna::Cluster`` and ``OS::Savanna::Job``
resources through Heat's API only (python-heatclient); it never talks to
Nova or to the nodes, and it imports nothing of Heat's engine, so it
installs on any operator's machine beside the ``openstack`` CLI.

* :mod:`heat_savanna.osc.clusters`  locate, read and signal clusters (the
  one implementation, also behind ``heat-savanna status``)
* :mod:`heat_savanna.osc.jobs`      locate, read and run jobs
* :mod:`heat_savanna.osc.plugin`    the OSC plugin hooks
* :mod:`heat_savanna.osc.v1.cluster`, :mod:`heat_savanna.osc.v1.job` the
  cliff commands
"""
