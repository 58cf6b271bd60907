"""Kubernetes object names as the API server validates them (apimachinery ``pkg/util/validation``).

A name or namespace that the API server would refuse cannot name an existing object, so it
never needs a look-up; and a value that never passed this check must never be pasted into an
API path (``kube-system/secrets?x=`` as a namespace reads Secrets). Upstream::

    const dns1123LabelFmt string = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    const dns1123SubdomainFmt string = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
    const DNS1123LabelMaxLength int = 63
    const DNS1123SubdomainMaxLength int = 253

Namespaces are DNS-1123 labels (``ValidateNamespaceName``); ConfigMaps, Secrets and
ServiceAccounts are DNS-1123 subdomains (``ValidateConfigMapName``, ``ValidateSecretName``,
``ValidateServiceAccountName``).
"""

from __future__ import annotations

import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(_LABEL)
_DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def is_dns1123_label(value: object) -> bool:
    """True for what ``IsDNS1123Label`` accepts (a namespace name)."""
    return (isinstance(value, str) and 0 < len(value) <= DNS1123_LABEL_MAX
            and _DNS1123_LABEL.fullmatch(value) is not None)


def is_dns1123_subdomain(value: object) -> bool:
    """True for what ``IsDNS1123Subdomain`` accepts (ConfigMap, Secret, ServiceAccount names)."""
    return (isinstance(value, str) and 0 < len(value) <= DNS1123_SUBDOMAIN_MAX
            and _DNS1123_SUBDOMAIN.fullmatch(value) is not None)


# Service names are DNS-1035 labels (``ValidateServiceName = NameIsDNS1035Label``): a letter first.
_DNS1035_LABEL = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")
_PORT_NAME_CHARSET = re.compile(r"[-a-z0-9]+")


def is_dns1035_label(value: object) -> bool:
    """True for what ``IsDNS1035Label`` accepts (a Service name): ``[a-z]([-a-z0-9]*[a-z0-9])?``, ≤ 63."""
    return (isinstance(value, str) and 0 < len(value) <= DNS1123_LABEL_MAX
            and _DNS1035_LABEL.fullmatch(value) is not None)


def port_name_problems(port: str) -> list[str]:
    """``IsValidPortName``'s messages for a container or Service target port name (IANA_SVC_NAME).

    Upstream: "It must be non-empty and no more than 15 characters long. It may contain only
    [-a-z0-9] and must contain at least one letter [a-z]. It must not start or end with a
    hyphen, nor contain adjacent hyphens."
    """
    errs = []
    if len(port) > 15:
        errs.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARSET.fullmatch(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs
