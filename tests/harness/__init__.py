"""Harnesses the suite and the benchmarks share: the webhook rig (``crashlint webhook serve`` under
gunicorn with TLS, certificates, clients, the fake API of :mod:`fakeapi`) and the fault and soak
scenarios built on it. ``tests/webhook_faults`` runs short versions of the scenarios;
``bench/faults_webhook.py``, ``bench/soak_webhook.py`` and ``bench/faults_hung_api.py`` run them
long. Imported as ``harness`` with ``tests/`` on ``sys.path`` (see :mod:`fakeapi`)."""
