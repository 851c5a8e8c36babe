"""Template adapter: copy it with ``make new-adapter NAME=xyz`` (never edit it to build a real adapter).

The scaffold copies this folder to ``adapters/xyz/``, renames ``TemplateAdapter`` and the registry name, and
leaves you a skeleton that imports, registers and is recognised by the conformance kit
(``tests/conformance``), which skips it until it declares suites in ``SUITES``. Then, module by module:

``_adapter.py``  capabilities, the status and error tables, render and parse (fill in every ``TODO``)

Work in this order (after Hyperswitch's connector template): capabilities → status table (every code the
bank documents; unknown → UNKNOWN, never success) → error table (every code to an action; unknown →
INQUIRE or MANUAL, never RETRY) → render_submission with golden files → parse_* with golden files → a
simulator protocol handler in ``adapters/simulator/protocols/`` → add suite names to ``SUITES`` one at a
time as they pass (``render_parse``, ``status_map``, ``error_map``, ``submit``, ``dedup``, ``malformed``,
``faults``, ``returns``).
"""

from adapters._template._adapter import NAME, TemplateAdapter

# The template itself is not an adapter: only a scaffolded copy (adapters.<name>) registers. (The name is
# split so that the scaffold's renaming leaves this comparison alone.)
if __name__ != "adapters." + "_template":
    from adapters.registry import register

    register(NAME)(TemplateAdapter)

__all__ = ["NAME", "TemplateAdapter"]
