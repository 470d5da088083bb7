"""``make bench``: heat-savanna measured against Heat's own ResourceGroup
and against the physical limit, as ratios (see doc/source/performance.rst).
"""
