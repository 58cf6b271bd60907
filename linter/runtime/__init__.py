"""Runtime mode: classify live crashes and join them to static findings."""
