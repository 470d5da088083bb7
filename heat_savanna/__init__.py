"""heat-savanna: a data-processing cluster as one Heat resource.

Layers (imports only ever point downwards in this list):

* ``heat_savanna.resources``    Heat resource classes (thin: schemas and
                                handlers), the lifecycle's phases and its two
                                transports
* ``heat_savanna.provisioning`` drives a plugin's steps over the nodes
* ``heat_savanna.core``         pure cluster model, validation, nested
                                template generation, health evaluation, the
                                lifecycle's decisions and node records
* ``heat_savanna.plugins``      provisioning plugins (spark, vanilla)
* ``heat_savanna.remote``       SSH to the nodes (paramiko)
* ``heat_savanna.common``       exceptions and options shared by all layers
"""
