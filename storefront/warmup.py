"""What a web worker loads once, before its first request (gunicorn's post_worker_init hook).

Here, at the top of the layers, because it touches every app below.

Without it the first search a worker answers loads the embedded index (about a second at
10,000 products) and the first requests build templates and querysets: the tail of the
latency distribution. Then the objects loaded so far (modules, the GraphQL schema, the index)
are frozen out of the garbage collector's sight (`gc.freeze()`): they live as long as the
worker, and each full collection used to walk all of them again, a pause of milliseconds to
tens of milliseconds at random requests. The objects of an index reloaded later are not
frozen; the frozen ones hold no reference cycles to leak (their memory goes back by reference
counting when the index is replaced).
"""
import gc
import logging
import time

logger = logging.getLogger("storefront.warmup")


def warm_worker() -> None:
    started = time.perf_counter()
    try:
        import search
        from shop.schema import schema

        schema.graphql_schema  # noqa: B018 - built on import; named so the intent is plain
        search.search("", limit=1)  # loads the embedded index (or checks Elasticsearch)
    except Exception:  # noqa: BLE001 - a worker that could not warm up still serves; it warms on use
        logger.warning("warm-up failed; the worker starts cold", exc_info=True)
    finally:
        from django.db import connections

        connections.close_all()  # opened in the hook, not by a request: let the first request open its own
    gc.collect()
    gc.freeze()
    logger.info("worker warmed up in %.0f ms; %d objects frozen", (time.perf_counter() - started) * 1000,
                gc.get_freeze_count())
