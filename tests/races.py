"""Running the same work in several threads at once, as two workers would (PostgreSQL tests)."""

import threading

from django.db import connection


def run_together(target, arguments: list) -> list:
    """Run `target(arg)` in one thread per argument, released at the same instant.

    Returns the results in argument order; an exception in any thread fails the caller.
    """
    barrier = threading.Barrier(len(arguments))
    results: list = [None] * len(arguments)
    errors: list = []

    def work(index, argument):
        try:
            barrier.wait(timeout=10)
            results[index] = target(argument)
        except Exception as exc:  # surfaced below, in the test's own thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(index, argument))
        for index, argument in enumerate(arguments)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results
