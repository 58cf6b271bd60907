"""Harnesses the suite and the benchmarks share.

* ``webhook``: the webhook, security and fuzz suites' server (``crashlint webhook serve`` under
  gunicorn with TLS from ``crashlint certs``), HTTPS clients and AdmissionReviews;
* ``webhook_rig``: the same server for the fault and soak runs (certificates renewable under one
  CA, kubelet-style mounts, the fake API of :mod:`fakeapi`), with ``faults_webhook`` and
  ``soak_webhook``, the scenarios built on it. ``tests/webhook_faults`` runs short versions of
  them; ``bench/faults_webhook.py``, ``bench/soak_webhook.py`` and ``bench/faults_hung_api.py``
  run them long.

Imported as ``harness`` with ``tests/`` on ``sys.path`` (see :mod:`fakeapi`).
"""
