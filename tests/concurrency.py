"""Real concurrency for the PostgreSQL-only tests: n transactions released at once."""
import threading

from django.db import connections

from shop.errors import ShopError


def run_together(n, work, *, expected=(ShopError,)):
    """Run work(i) in n threads released at once, each on its own connection; returns by i
    ("ok", result), ("error", code) for the `expected` refusals, or ("crash", repr) for anything else."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", work(i))
        except expected as exc:
            results[i] = ("error", exc.code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[i] = ("crash", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a transaction is stuck (deadlock?)"
    return results
