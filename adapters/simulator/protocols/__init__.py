"""Protocol handlers of the bank simulator, one module each (see :mod:`adapters.simulator.protocol`).

Every non-underscore module here is imported on first use so its ``@register_protocol`` runs. To add a
protocol: a module with a handler class named after the adapter's ``Capabilities.protocol``.
"""
