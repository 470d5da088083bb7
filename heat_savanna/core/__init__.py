"""The pure core of heat-savanna: no Heat import, no I/O.

``model`` (property dict -> ClusterSpec), ``validation`` (``check``: the
single entry point of the Heat resource and the CLI), ``layout`` (stable
node names), ``template`` (the nested stack), ``health`` (the
partial-active verdict).
"""
