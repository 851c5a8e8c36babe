"""Social security card services (DOMAIN.md §8).

``machines``   the two state machines (人社 and bank application) as tables, with precise refusals
``channels``   channel principals: kinds, allowed operations, own-bank rule, rate limits, holder tokens
``operations`` one function per card operation, inside the caller's transaction, audited
``payments``   holds on loss, release on lift, approval-time gating of lines to a held card
``bankleg``    the financial application's side: sent to the card bank through its adapter
"""
