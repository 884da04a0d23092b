from django.dispatch import Signal

# Sent at the end of DemoLoader.run(), inside its transaction, with `loader`
# (the DemoLoader: .today, .points, .summary …). Apps above catalog
# (traceability, orders) connect to it to add their own demo data, so the
# catalogue never imports them.
demo_loaded = Signal()
