"""Sphinx configuration of the heat-savanna docs.

``make docs`` builds with ``-W``: every warning is an error, so the docs
cannot silently rot. The property reference is generated from the code by
the small extension in ``_exts/savanna_schema.py``.
"""

import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, '_exts'))
sys.path.insert(0, REPO)

# Heat's imports (for the generated reference) warn that eventlet is
# deprecated; that is Heat's business, not the docs'.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

project = 'heat-savanna'
copyright = 'heat-savanna developers'
author = 'heat-savanna developers'
release = '0.1.0'
version = '0.1'

extensions = [
    'sphinx.ext.autodoc',
    'oslo_config.sphinxext',
    'savanna_schema',
]

# autodoc imports the plugin interface only (heat_savanna.plugins.base is
# pure Python); keep its type hints out of the signatures.
autodoc_typehints = 'description'
autodoc_member_order = 'bysource'

master_doc = 'index'
exclude_patterns = ['_build']
templates_path = []
html_static_path = []
html_theme = 'alabaster'
html_title = 'heat-savanna %s' % release
pygments_style = 'sphinx'
