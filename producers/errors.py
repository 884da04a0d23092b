"""Error codes of the producers' portal (shop/errors.py explains the scheme)."""
from shop.errors import ErrorCode


class ProducerErrorCode(ErrorCode):
    LOGIN_REQUIRED = "producer_login_required", "Not signed in with a producer's account."
    NOT_A_MEMBER = "not_a_member", "The account does not belong to this producer (or to any producer)."
    OWNER_ONLY = "owner_only", "Only the producer's owner may do this (invite or remove members)."
    # My products and the province's review of them (producers/products.py)
    PRODUCT_NOT_FOUND = "product_not_found", "No product of this producer has this ID (another producer's is not shown)."
    CHANGE_PENDING = "change_pending", "The proposed change is waiting for the province's review and cannot be edited until then."
    CHANGE_INVALID = "change_invalid", "A proposed value is too long or not a number where one is needed; `field` names it."
    PHOTO_REJECTED = "photo_rejected", "An uploaded photo is not a JPEG/PNG/WebP image of a usable size; the message says why."
    NOTHING_TO_SUBMIT = "nothing_to_submit", "The draft proposes nothing that differs from what buyers see now."
    CHANGE_NOT_PENDING = "change_not_pending", "Only a change waiting for review can be approved or sent back."
    COMMENT_REQUIRED = "review_comment_required", "Sending a change back needs a comment saying what to fix."
    INVITATION_INVALID = "invitation_invalid", "The invitation link is unknown, used already or expired."
    # Producer accounts: invitations and members (producers/invitations.py, producers/members.py)
    INVITATION_INPUT = "invitation_input", "An invitation without a valid e-mail address or with an unknown role."
    ACCOUNT_EXISTS = "account_exists", "The invited e-mail already has an account: sign in with it, then open the link."
    ACCOUNT_INPUT = "account_input", "A new account without a name, or with a password the password rules refuse."
    MEMBER_NOT_FOUND = "member_not_found", "No person of this producer has this ID (another producer's is not shown)."
    LAST_OWNER = "last_owner", "The producer's last owner cannot be removed or made a member: make another owner first."
    # My certificates and renewal files (producers/certificates.py)
    NO_CERTIFICATE = "no_certificate", "A renewal file for a product that has no OCOP certificate on record."
    RENEWAL_OPEN = "renewal_open", "The product already has a renewal file in preparation or submitted."
    RENEWAL_NOT_OPEN = "renewal_not_open", "The renewal file is submitted or decided: it can no longer be changed."
    RENEWAL_NOT_SUBMITTED = "renewal_not_submitted", "An outcome recorded for a renewal file not (or no longer) submitted."
    RENEWAL_EMPTY = "renewal_empty", "A renewal file submitted without any dossier document."
    DOCUMENT_INVALID = "document_invalid", "An uploaded dossier document is missing, not a PDF, or too large."
    OUTCOME_INVALID = "outcome_invalid", (
        "A renewal outcome that does not fit: unknown outcome, an upgrade without more stars, a missing decision "
        "number or date, or 'none' without a note.")
    # My lots (producers/lots.py)
    LOT_NOT_FOUND = "lot_not_found", "No lot of this producer has this ID (another producer's lot is not shown)."
    LOT_INPUT = "lot_input", "A lot or event form with a missing or malformed field (variant, date, quantity, commune)."
    LOT_RECALLED = "lot_recalled", "An event or dispatch for a recalled lot."
    REPORT_INVALID = "report_invalid", "A quality test report that is missing, not a PDF, or too large."
    SUBMISSION_MISMATCH = "submission_mismatch", "A form key already used for another form or producer: reload the form."
