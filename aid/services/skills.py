"""Skills as people read them."""
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Skill


def names():
    """Every skill's stored (English) name by slug: the pages translate it, the matcher's reasons name slugs."""
    return dict(db.session.execute(sa.select(Skill.slug, Skill.name)).all())
