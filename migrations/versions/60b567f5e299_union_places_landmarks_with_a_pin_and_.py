"""Union places: landmarks with a pin and spellings in each language

Revision ID: 60b567f5e299
Revises: bebd18ab64a9
Create Date: 2026-12-01 01:58:12.255820

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '60b567f5e299'
down_revision = 'bebd18ab64a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('union_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('union_id', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['union_id'], ['unions.id'], name=op.f('fk_union_places_union_id_unions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_union_places'))
    )
    with op.batch_alter_table('union_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_union_places_union_id'), ['union_id'], unique=False)

    op.create_table('union_place_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.ForeignKeyConstraint(['place_id'], ['union_places.id'], name=op.f('fk_union_place_names_place_id_union_places'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_union_place_names'))
    )
    with op.batch_alter_table('union_place_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_union_place_names_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_union_place_names_place_id'), ['place_id'], unique=False)



def downgrade():
    with op.batch_alter_table('union_place_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_union_place_names_place_id'))
        batch_op.drop_index(batch_op.f('ix_union_place_names_key'))

    op.drop_table('union_place_names')
    with op.batch_alter_table('union_places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_union_places_union_id'))

    op.drop_table('union_places')
