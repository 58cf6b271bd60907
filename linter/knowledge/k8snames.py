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


# --- The API server's own messages (apimachinery ``pkg/util/validation``, ``pkg/api/validate/content``,
# ``pkg/api/validation/path``), quoted so a finding reads like ``kubectl apply``'s answer. Each function
# returns the messages the upstream function returns, in its order; an empty list means "accepted".

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                      "and must start and end with an alphanumeric character")
_DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                          "'-' or '.', and must start and end with an alphanumeric character")
_DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                      "an alphabetic character, and end with an alphanumeric character")
# content.IsLabelKey / IsLabelValue: labelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]".
_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
_LABEL_VALUE_FMT = "(" + _LABEL_KEY_FMT + ")?"
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                    "and must start and end with an alphanumeric character")
LABEL_VALUE_MAX = 63
QUALIFIED_NAME_MAX = 63  # the name part of a qualified name (label key)


def max_len_error(length: int) -> str:
    """``MaxLenError``."""
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """``RegexError``: the message, the examples and the regex, exactly as the server prints them."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def dns1123_label_problems(value: str) -> list[str]:
    """``IsDNS1123Label`` (namespaces, StatefulSet names since 1.26)."""
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1123_subdomain_problems(value: str) -> list[str]:
    """``IsDNS1123Subdomain`` (most object names)."""
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def dns1035_label_problems(value: str) -> list[str]:
    """``IsDNS1035Label`` (Service names)."""
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _DNS1035_LABEL.fullmatch(value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def path_segment_name_problems(value: str) -> list[str]:
    """``IsValidPathSegmentName`` (RBAC names, and the floor every object name passes in ``BeforeCreate``)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def qualified_name_problems(value: str) -> list[str]:
    """``IsQualifiedName`` (= ``content.IsLabelKey``): label keys, annotation keys (lowercased), selector keys."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in dns1123_subdomain_problems(prefix))
    else:
        return ["a valid label key " + regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > QUALIFIED_NAME_MAX:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX))
    if not _LABEL_KEY.fullmatch(name):
        errs.append("name part " + regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value_problems(value: str) -> list[str]:
    """``IsValidLabelValue`` (= ``content.IsLabelValue``): at most 63 characters, ``""`` allowed."""
    errs = []
    if len(value) > LABEL_VALUE_MAX:
        errs.append(max_len_error(LABEL_VALUE_MAX))
    if value and not _LABEL_KEY.fullmatch(value):
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def mask_trailing_dash(name: str) -> str:
    """``maskTrailingDash``: how the server checks a ``generateName`` (a suffix is appended later).

    Upstream replaces the last *two* characters with ``a`` when the name ends with ``-``
    (``name[:len(name)-2] + "a"``), so ``web-`` is checked as ``wea``.
    """
    return name[:max(len(name) - 2, 0)] + "a" if name.endswith("-") else name
