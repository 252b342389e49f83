"""One vocabulary: the urgency order the engine uses is the enums' order, and every value has its label."""
import pytest

from aid.matching.weights import URGENCY_RANK
from aid.models.enums import CATEGORY_LABELS, EVENT_LABELS, URGENCY_LABELS, Category, EventKind, Urgency


def test_the_engine_ranks_exactly_the_urgencies_least_urgent_first_as_declared():
    assert set(URGENCY_RANK) == {u.value for u in Urgency}
    assert [u.rank for u in Urgency] == sorted(u.rank for u in Urgency)
    assert Urgency.most_urgent_first() == [Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW]


@pytest.mark.parametrize(("vocabulary", "labels"), [(Category, CATEGORY_LABELS), (Urgency, URGENCY_LABELS),
                                                   (EventKind, EVENT_LABELS)])
def test_every_value_has_a_label(vocabulary, labels):
    assert set(labels) == set(vocabulary)


def test_a_stored_event_kind_this_code_does_not_know_reads_as_stored():
    assert EventKind.label_of("something_new") == "something_new"
    assert EventKind.label_of("posted") is EVENT_LABELS[EventKind.POSTED]
