"""/healthz for a load balancer and /metrics for Prometheus, both read afresh from the database and Redis.

/healthz answers 503 only when this process cannot reach the database or Redis (a load
balancer should stop sending it people). Queue depth and the age of the oldest pending
work are reported beside, for an alert: posting still works while workers are down, so
they are no reason to stop serving.

/metrics is computed at scrape time (aid/services/vitals.py), so it is the same whichever
gunicorn worker answers and needs no multiprocess files. It is open to METRICS_TOKEN (as a
bearer token) or, without one, to loopback callers only.
"""
import hmac

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from aid.adapters.queue import backend
from aid.extensions import db, limiter
from aid.models import utcnow
from aid.services import vitals

bp = Blueprint("health", __name__)
LOOPBACK = {"127.0.0.1", "::1"}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Database and Redis reachable (200) or not (503), with queue depth and oldest pending work."""
    database = _check(lambda: db.session.execute(sa.text("SELECT 1")).scalar_one() and "ok")
    depth = _check(lambda: backend().depth())
    healthy = database == "ok" and isinstance(depth, int)
    body = {"status": "ok" if healthy else "unavailable", "database": database,
            "queue": "ok" if isinstance(depth, int) else depth,
            "queue_backend": "redis" if current_app.config.get("REDIS_URL") else "in-process",
            "queue_depth": depth if isinstance(depth, int) else None}
    if database == "ok":
        count, oldest = vitals.pending(utcnow())
        body.update(pending_work=count, oldest_pending_seconds=round(oldest, 1))
    db.session.remove()
    return jsonify(body), 200 if healthy else 503


@bp.get("/metrics")
@limiter.exempt
def metrics():
    """Prometheus text format: time to first offer and to accept, queue depth, sends by channel."""
    if not _may_scrape():
        abort(403)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AppCollector())
    try:
        text = generate_latest(registry)
    finally:
        db.session.remove()
    return text, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


def _check(probe):
    """The probe's answer, or a short reason it failed (never the whole error: it may hold a URL)."""
    try:
        return probe()
    except Exception as error:  # any failure to answer is the answer
        db.session.rollback()
        return f"error: {type(error).__name__}"


def _may_scrape():
    """The bearer token when one is set; else only a loopback caller that came through no proxy."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    return request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers


class AppCollector:
    """Every metric, read when Prometheus scrapes."""

    def collect(self):
        yield _histogram("aid_time_to_first_offer_seconds", "From posting a need to its first offer stored.",
                         vitals.first_offer_histogram())
        yield _histogram("aid_time_to_accept_seconds", "From posting a need to its first accept.",
                         vitals.accept_histogram())
        count, oldest = vitals.pending(utcnow())
        yield GaugeMetricFamily("aid_pending_work", "Pending work rows not done (locate and match a need).",
                                value=count)
        yield GaugeMetricFamily("aid_pending_work_oldest_seconds", "Age of the oldest pending work not done.",
                                value=oldest)
        yield GaugeMetricFamily("aid_queue_depth", "Jobs waiting on the queue.", value=backend().depth())
        yield from _outbox(vitals.outbox_counts())


def _histogram(name, documentation, histogram):
    bounds, count, total = histogram
    buckets = [(repr(float(bound)), under) for bound, under in bounds] + [("+Inf", count)]
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=total)


def _outbox(counts):
    by_state = GaugeMetricFamily("aid_outbox_messages", "Outbox messages by channel and state.",
                                 labels=["channel", "state"])
    sent = CounterMetricFamily("aid_messages_sent", "Messages a channel took (sent or delivered), by channel.",
                               labels=["channel"])
    totals = {}
    for (channel, state), count in sorted(counts.items()):
        by_state.add_metric([channel, state], count)
        if state in {"sent", "delivered"}:
            totals[channel] = totals.get(channel, 0) + count
    for channel, count in sorted(totals.items()):
        sent.add_metric([channel], count)
    yield by_state
    yield sent
