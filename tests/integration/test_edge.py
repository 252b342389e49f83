"""The transaction edge: follow-ups run only after their commit, and a GET never writes."""
import pytest
import sqlalchemy as sa

from aid import edge
from aid.extensions import db
from aid.models import Region


def _regions():
    return db.session.scalars(sa.select(Region.name).order_by(Region.name)).all()


def test_calls_queued_by_a_service_run_after_the_commit_in_order(app, ctx):
    seen = []
    db.session.add(Region(name="North"))
    edge.after_commit(lambda name: seen.append((name, _regions())), "first")
    edge.after_commit(seen.append, "second")
    assert seen == []
    edge.commit()
    assert seen == [("first", ["North"]), "second"]  # the first saw the committed row
    edge.commit()
    assert len(seen) == 2, "a call runs once, not again at the next commit"


def test_calls_are_dropped_when_the_transaction_rolls_back_or_fails_to_commit(app, ctx):
    seen = []
    db.session.add(Region(name="North"))
    edge.after_commit(seen.append, "rolled back")
    edge.rollback()
    db.session.add(Region(name=None))  # a region must have a name: the commit fails
    edge.after_commit(seen.append, "never committed")
    with pytest.raises(sa.exc.IntegrityError):
        edge.commit()
    edge.commit()
    assert seen == [] and _regions() == []


def test_one_failing_follow_up_does_not_stop_the_others(app, ctx):
    seen = []
    edge.after_commit(lambda: 1 / 0)
    edge.after_commit(seen.append, "still sent")
    edge.commit()
    assert seen == ["still sent"]


def test_a_get_that_writes_is_refused_and_a_post_is_not(make):
    app = make()

    @app.route("/test-write", methods=["GET", "POST"])
    def write():
        db.session.add(Region(name="Written"))
        edge.commit()
        return "written"

    client = app.test_client()
    assert client.get("/test-write").status_code == 500  # a bug in the view, refused before it writes
    with app.app_context():
        assert _regions() == []
    assert client.post("/test-write").get_data(as_text=True) == "written"
    with app.app_context():
        assert _regions() == ["Written"]
