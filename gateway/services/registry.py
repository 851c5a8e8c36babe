"""The services the server exposes, in one list: adding a service is one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from silink.admin.v1 import admin_pb2, admin_pb2_grpc
from silink.banklink.v1 import banklink_pb2, banklink_pb2_grpc
from silink.card.v1 import card_pb2, card_pb2_grpc
from silink.disbursement.v1 import disbursement_pb2, disbursement_pb2_grpc
from silink.reconciliation.v1 import reconciliation_pb2, reconciliation_pb2_grpc

from gateway.services.admin import AdminServicer
from gateway.services.banklink import BankLinkServicer
from gateway.services.base import AppContext, fill_unimplemented
from gateway.services.card import CardServicer
from gateway.services.disbursement import DisbursementServicer
from gateway.services.reconciliation import ReconciliationServicer


@dataclass(frozen=True)
class ServiceSpec:
    full_name: str
    servicer: Callable[[AppContext], Any]
    add: Callable[[Any, Any], None]


def _placeholder(base: type, descriptor: Any, capability: str) -> Callable[[AppContext], Any]:
    """A servicer whose every method answers UNIMPLEMENTED naming the capability still to come."""
    cls = type(f"Pending{descriptor.name}", (base,), {"__init__": lambda self, ctx: None})
    return fill_unimplemented(cls, descriptor, capability)


def _svc(module: Any, name: str) -> Any:
    return module.DESCRIPTOR.services_by_name[name]


SERVICES: list[ServiceSpec] = [
    ServiceSpec(
        _svc(admin_pb2, "AdminService").full_name,
        fill_unimplemented(AdminServicer, _svc(admin_pb2, "AdminService"), "admin"),
        admin_pb2_grpc.add_AdminServiceServicer_to_server,
    ),
    ServiceSpec(
        _svc(disbursement_pb2, "DisbursementService").full_name,
        fill_unimplemented(
            DisbursementServicer, _svc(disbursement_pb2, "DisbursementService"), "bank dispatch"
        ),
        disbursement_pb2_grpc.add_DisbursementServiceServicer_to_server,
    ),
    ServiceSpec(
        _svc(reconciliation_pb2, "ReconciliationService").full_name,
        fill_unimplemented(
            ReconciliationServicer,
            _svc(reconciliation_pb2, "ReconciliationService"),
            "reconciliation",
        ),
        reconciliation_pb2_grpc.add_ReconciliationServiceServicer_to_server,
    ),
    ServiceSpec(
        _svc(card_pb2, "CardService").full_name,
        fill_unimplemented(CardServicer, _svc(card_pb2, "CardService"), "card services"),
        card_pb2_grpc.add_CardServiceServicer_to_server,
    ),
    ServiceSpec(
        _svc(banklink_pb2, "BankLinkService").full_name,
        fill_unimplemented(BankLinkServicer, _svc(banklink_pb2, "BankLinkService"), "bank link"),
        banklink_pb2_grpc.add_BankLinkServiceServicer_to_server,
    ),
]
