"""What inventory tells the apps above it (search re-indexes on these).

Sent inside the transaction that made the change; receivers that touch
something outside the database defer it with `transaction.on_commit`.
"""
from django.dispatch import Signal

# variant_ids: the variants whose sellable quantity somewhere went to zero or came back from it.
availability_changed = Signal()
# transfer, lines: a transfer just received at its point, with its lines' counts (a producer's
# dispatch of a lot: the portal records the receipt on the lot).
transfer_received = Signal()
