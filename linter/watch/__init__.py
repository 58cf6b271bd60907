"""``crashlint watch``: runtime mode kept current inside the cluster (list, then watch the API).

``store`` holds the live objects, bounded; ``judge`` turns one workload's objects into verdicts
with runtime mode's own functions; ``streams`` lists and watches; ``recorder`` publishes
Kubernetes Events like client-go's EventCorrelator; ``lease`` elects the one replica that
publishes; ``metrics``, ``page`` and ``server`` show the state; ``command`` wires them.
"""
