"""``crashlint watch``: runtime mode kept current inside the cluster (list, then watch the API).

``streams`` lists and watches (through ``sources.kubeapi``); ``store`` holds the live objects,
bounded; ``watcher`` applies changes on one thread and has ``judge`` turn each touched
workload's objects into verdicts with runtime mode's own functions (``logs`` adds previous
logs); ``announce`` finds new verdicts and ``recorder`` publishes them as Kubernetes Events like
client-go's EventCorrelator; ``lease`` elects the one replica that publishes; ``metrics``,
``page`` and ``server`` show the state; ``service`` wires them and ``command`` runs them.
"""
