"""Error codes of the producers' portal (shop/errors.py explains the scheme)."""
from shop.errors import ErrorCode


class ProducerErrorCode(ErrorCode):
    LOGIN_REQUIRED = "producer_login_required", "Not signed in with a producer's account."
    NOT_A_MEMBER = "not_a_member", "The account does not belong to this producer (or to any producer)."
    OWNER_ONLY = "owner_only", "Only the producer's owner may do this (invite or remove members)."
    INVITATION_INVALID = "invitation_invalid", "The invitation link is unknown, used already or expired."
