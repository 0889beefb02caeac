"""Job-name constants: producers and the worker agree on these strings."""

PROCESS_INBOX = "process_inbox"


def inbox_job_id(inbox_id: int, attempt: int, replay: int = 0) -> str:
    """Deterministic arq job id: one job per inbox row per attempt, whoever enqueues it.

    arq refuses an id whose job or result it still holds, which is what makes the edge's
    enqueue and the sweeper's re-enqueue of the same attempt collapse into one run."""
    return f"inbox:{inbox_id}:{replay}:{attempt}"
