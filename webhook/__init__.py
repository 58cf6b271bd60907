"""The validating admission webhook: the rule engine at the API server's door."""
