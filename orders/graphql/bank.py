"""Bank transfer in the API: the VietQR an order waits for (`Order.vietqr`)."""
import graphene

from orders import bank_transfers
from orders.graphql.loaders import OrderById
from shop.graphql.loaders import BatchLoader


class VietQRType(graphene.ObjectType):
    class Meta:
        name = "VietQR"
        description = ("The bank transfer an order waits for: the VietQR payload to draw as a QR code, and the same "
                       "facts as text for a buyer who types them.")

    payload = graphene.String(required=True, description="The NAPAS VietQR (EMVCo) string to encode in a QR code")
    bank_bin = graphene.String(required=True, description="The receiving bank's BIN (6 digits)")
    bank_name = graphene.String(required=True, description="The bank's short name, e.g. Agribank")
    account_number = graphene.String(required=True)
    account_name = graphene.String(required=True, description="The holder's name as the bank prints it")
    amount_vnd = graphene.Int(required=True, description="What is still to pay, in whole đồng")
    transfer_content = graphene.String(required=True, description="Type exactly this as the transfer's content")
    expires_at = graphene.DateTime(description="The order is cancelled if the transfer has not arrived by then; null "
                                               "while the shop checks a transfer that did not match")

    @staticmethod
    def of(found: bank_transfers.Instructions) -> "VietQRType":
        t = found.transfer
        return VietQRType(payload=t.payload, bank_bin=t.bank.bin, bank_name=t.bank.short_name,
                          account_number=t.account_number, account_name=t.account_name, amount_vnd=t.amount_vnd,
                          transfer_content=t.content, expires_at=found.expires_at)


class TransferByOrder(BatchLoader):
    """The transfer each order waits for (a list of orders costs two queries, whatever its length)."""

    key_kind = "order"

    def batch_load(self, keys):
        orders = [o for o in (OrderById.of(self.context).load(k) for k in keys) if o is not None]
        return bank_transfers.instructions_for(orders)


def resolve_vietqr(order, info):
    if not bank_transfers.waits_for_transfer(order):
        return None
    OrderById.of(info.context).cache.setdefault(order.pk, order)  # the loader need not fetch it again
    found = TransferByOrder.of(info.context).load(order.pk)
    return VietQRType.of(found) if found is not None else None


class BankTransactionStatusEnum(graphene.Enum):
    MATCHED = "MATCHED"
    NEEDS_REVIEW = "NEEDS_REVIEW"
    RESOLVED = "RESOLVED"


class BankTransactionType(graphene.ObjectType):
    class Meta:
        name = "BankTransaction"
        description = "An incoming bank transfer as recorded, and what it did."

    provider = graphene.String(required=True, description="SEPAY, CASSO, or MANUAL (recorded by staff)")
    transaction_id = graphene.String(required=True)
    reference = graphene.String(required=True, description="The bank's reference")
    amount_vnd = graphene.Int(required=True)
    status = graphene.Field(BankTransactionStatusEnum, required=True,
                            description="MATCHED: it paid its order; NEEDS_REVIEW: waiting for staff (see reason)")
    reason = graphene.String(description="Why it waits: PARTIAL, EXCESS, LATE, ALREADY_PAID, NOT_TRANSFER, UNMATCHED, "
                                         "AMBIGUOUS")
    received_at = graphene.DateTime(required=True)

    def resolve_status(tx, info):
        return getattr(tx.status, "value", tx.status)

    def resolve_reason(tx, info):
        return tx.reason or None
