"""heat-savanna: a data-processing cluster as one Heat resource.

Layers (imports only ever point downwards in this list):

* ``heat_savanna.resources``    Heat resource classes (thin: schemas, handlers)
* ``heat_savanna.provisioning`` drives a plugin's steps over the nodes
* ``heat_savanna.core``         pure cluster model, validation, nested
                                template generation, health evaluation
* ``heat_savanna.plugins``      provisioning plugins (spark, vanilla)
* ``heat_savanna.remote``       SSH to the nodes (paramiko)
* ``heat_savanna.common``       exceptions and options shared by all layers
"""
