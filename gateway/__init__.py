"""silink gateway: server, domain, intake, storage, identity, audit and the `silink` CLI."""
