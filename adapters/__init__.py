"""Bank adapters: one package per bank protocol, the contract they all meet, the registry, simulators.

An adapter *builds and parses*; the dispatcher in ``gateway`` does the transport, retries, leases and
bookkeeping (after Hyperswitch connectors and moov-io/ach). See :mod:`adapters.contract`.
"""
