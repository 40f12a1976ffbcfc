"""Snoop Guard network lab: a router/WAN/TV/speaker topology in Linux network namespaces.

See :mod:`lab.netlab` (``Lab``, ``LabInfo``, ``DeviceInfo``) and ``lab/README.md``.
Only lab addresses (198.18.N.0/24, 203.0.113.0/24) inside namespaces created by the lab,
or loopback, are ever targeted.
"""
