"""What crashlint knows about how containers run, shared by the rules: argv and shell scripts
(``commands``), probes, heap settings, image families, Service host names, init-container wait
loops, ConfigMap and Secret references, label selectors, operators' pods, service meshes, and the
API server's own validation (``validation``).

Pure functions of the model and of the knowledge tables the settings carry (``policies/``).
"""
