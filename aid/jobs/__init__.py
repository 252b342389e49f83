"""Background work: rq on Redis when REDIS_URL is set, else an in-process worker thread.

Either way the same task functions (aid/jobs/tasks.py) run, taking ids only, inside an app
context. The queue itself is an adapter (aid/adapters/queue.py).
"""
from aid.adapters.queue import InProcessBackend, RedisBackend, backend, dispatch, work_job_id

__all__ = ["backend", "dispatch", "init_app", "work_job_id"]


def init_app(app):
    if app.config.get("REDIS_URL"):
        app.extensions["aid_jobs"] = RedisBackend(app.config["REDIS_URL"], app.config["RQ_QUEUE"])
    else:
        app.extensions["aid_jobs"] = in_process = InProcessBackend(app)
        if app.config["SWEEP_SECONDS"]:
            app.before_request(in_process.start_sweeping)  # once the app serves, not for CLI commands
