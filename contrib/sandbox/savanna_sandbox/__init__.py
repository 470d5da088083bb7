"""heat-savanna's local sandbox: a real Heat on a simulated cloud.

Kept outside the plugin's import path on purpose: ``heat_savanna`` never
imports this package. ``python -m savanna_sandbox up|down|status|env|logs``
(or ``heat-savanna sandbox ...`` once the main CLI is installed) drives it.
"""
