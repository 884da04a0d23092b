from django.dispatch import Signal

# Sent at the end of DemoLoader.run(), inside its transaction, with `loader`
# (the DemoLoader: .today, .points, .summary …). Apps above catalog
# (traceability, orders) connect to it to add their own demo data, so the
# catalogue never imports them.
demo_loaded = Signal()

# Sent by catalog.synthetic.generate_catalog inside its transaction, with
# `variant_ids` (the new variants) and `seed`: inventory stocks them.
catalog_generated = Signal()
