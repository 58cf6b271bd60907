# The crashlint image: the admission webhook server by default, the whole CLI too.
#   docker build -t crashlint:0.1.0 .
#   docker run --rm -v "$PWD:/src:ro" crashlint:0.1.0 lint /src          # the CLI
#   docker run --rm -p 8443:8443 -v "$PWD/certs-out:/certs:ro" crashlint:0.1.0   # the webhook
#   docker run --rm -p 8080:8080 -v "$HOME/.kube:/kube:ro" crashlint:0.1.0 watch --kubeconfig /kube/config
#                                                                       # the watcher (webhook/deploy/base/watch.yaml)
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz (webhook/deploy/base/deployment.yaml).
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY linter ./linter
COPY webhook ./webhook
COPY policies ./policies
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
# Runtime dependencies only: the package and its `webhook` extra (flask, gunicorn,
# prometheus-client, cryptography, kubernetes: what the webhook and `crashlint watch` import);
# no compilers, no tests.
RUN pip install "$(echo /wheels/crashlint-*.whl)[webhook]" && rm -rf /wheels \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin crashlint
USER 10001:10001
# 8443: the webhook (TLS); 8080: crashlint watch (plain HTTP: /, /metrics, /healthz, /readyz).
EXPOSE 8443 8080
ENTRYPOINT ["crashlint"]
CMD ["webhook", "serve", "--cert", "/certs/tls.crt", "--key", "/certs/tls.key"]
