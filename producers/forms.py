"""The portal's sign-in form (the e-mail login every door shares)."""
from shop.forms import EmailLoginForm


class ProducerLoginForm(EmailLoginForm):
    """The portal's door: any active account signs in; the member check is the pages' (portal.member_required)."""
