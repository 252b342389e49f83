"""matches: reasons as codes with arguments (JSON), not English sentences

Each " · "-joined sentence the matcher used to store becomes {"code": ..., **args}
(aid.matching.reasons); a sentence of no known shape is kept as {"code": "text", "text": ...}.
The shapes are frozen here, as the engine wrote them before this revision.

Revision ID: b7e21c4d9a06
Revises: 1a63603c7ce0
Create Date: 2026-11-26 10:00:00.000000

"""
import json
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e21c4d9a06'
down_revision = '1a63603c7ce0'
branch_labels = None
depends_on = None

MATCHES = sa.table('matches', sa.column('id', sa.Integer), sa.column('reasons', sa.Text))
SKILLS = sa.table('skills', sa.column('slug', sa.String))

SHAPES = [  # (pattern, code, {arg: (group, convert)}), tried in this order
    (r'(\d+(?:\.\d+)?) km', 'distance', {'km': (1, float)}),
    (r'has a vehicle', 'vehicle', {}),
    (r'has (.+) skill', 'has_skill', {'skill': (1, 'slug')}),
    (r'(.+) covers (.+)', 'covers', {'held': (1, 'slug'), 'needed': (2, 'slug')}),
    (r'speaks (\w+)', 'speaks', {'language': (1, str)}),
    (r'(\d+) of (\d+) tasks this week', 'week_load', {'done': (1, int), 'cap': (2, int)}),
    (r'(\d+) recent declines?', 'recent_declines', {'n': (1, int)}),
    (r'chosen by a coordinator', 'chosen_by_coordinator', {}),
]
ENGLISH = {
    'distance': lambda a: f"{a['km']:.1f} km",
    'vehicle': lambda a: 'has a vehicle',
    'has_skill': lambda a: f"has {_words(a['skill'])} skill",
    'covers': lambda a: f"{_words(a['held'])} covers {_words(a['needed'])}",
    'speaks': lambda a: f"speaks {a['language']}",
    'week_load': lambda a: f"{a['done']} of {a['cap']} tasks this week",
    'recent_declines': lambda a: f"{a['n']} recent decline{'s' if a['n'] > 1 else ''}",
    'chosen_by_coordinator': lambda a: 'chosen by a coordinator',
    'text': lambda a: a['text'],
}


def _words(slug):
    return (slug or '?').replace('-', ' ').replace('_', ' ')


def _code(phrase, slugs):
    """One stored sentence as {"code": ..., **args}; skills back to their slug by their words."""
    for pattern, code, args in SHAPES:
        if match := re.fullmatch(pattern, phrase):
            out = {'code': code}
            for name, (group, convert) in args.items():
                value = match[group]
                out[name] = slugs.get(value, value) if convert == 'slug' else convert(value)
            return out
    return {'code': 'text', 'text': phrase}


def _rewrite(convert):
    """Rewrite every match's reasons with convert(stored text), in one executemany."""
    conn = op.get_bind()
    rows = conn.execute(sa.select(MATCHES.c.id, MATCHES.c.reasons)).all()
    if rows:
        update = MATCHES.update().where(MATCHES.c.id == sa.bindparam('match_id'))
        conn.execute(update.values(reasons=sa.bindparam('text')),
                     [{'match_id': id_, 'text': convert(text)} for id_, text in rows])


def upgrade():
    slugs = {_words(slug): slug for slug in op.get_bind().scalars(sa.select(SKILLS.c.slug))}
    _rewrite(lambda text: json.dumps([_code(p, slugs) for p in (text or '').split(' · ') if p]))
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.alter_column('reasons', existing_type=sa.Text(), type_=sa.JSON(), existing_nullable=False,
                              postgresql_using='reasons::json')


def downgrade():
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.alter_column('reasons', existing_type=sa.JSON(), type_=sa.Text(), existing_nullable=False,
                              postgresql_using='reasons::text')

    def english(text):
        return ' · '.join(ENGLISH.get(r['code'], lambda a: r['code'])(r) for r in json.loads(text or '[]'))
    _rewrite(english)
