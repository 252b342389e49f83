"""Common purse: purses, ledger entries and their audit trail

Money in integer minor units; the balance is kept at or above zero by a conditional update
and a check constraint; whoever asked for spending cannot approve it (check constraint).

Revision ID: bebd18ab64a9
Revises: d21133f30425
Create Date: 2026-12-01 01:56:05.687348

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bebd18ab64a9'
down_revision = 'd21133f30425'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('union_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_purses_balance_not_negative')),
    sa.ForeignKeyConstraint(['union_id'], ['unions.id'], name=op.f('fk_purses_union_id_unions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purses')),
    sa.UniqueConstraint('union_id', name=op.f('uq_purses_union_id'))
    )
    op.create_table('purse_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purse_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('contribution', 'spend', name='entrykind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('state', sa.Enum('recorded', 'requested', 'approved', 'paid', 'refused', 'withdrawn', name='entrystate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('what', sa.String(length=140), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('contributor', sa.String(length=80), nullable=False),
    sa.Column('name_shown', sa.Boolean(), nullable=False),
    sa.Column('dated', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_purse_entries_amount_positive')),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> created_by_id', name=op.f('ck_purse_entries_second_approver')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_purse_entries_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_purse_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_purse_entries_need_id_needs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['purse_id'], ['purses.id'], name=op.f('fk_purse_entries_purse_id_purses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purse_entries'))
    )
    with op.batch_alter_table('purse_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purse_entries_purse_id'), ['purse_id'], unique=False)

    op.create_table('purse_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purse_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['purse_entries.id'], name=op.f('fk_purse_events_entry_id_purse_entries')),
    sa.ForeignKeyConstraint(['purse_id'], ['purses.id'], name=op.f('fk_purse_events_purse_id_purses')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_purse_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purse_events'))
    )
    with op.batch_alter_table('purse_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purse_events_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purse_events_purse_id'), ['purse_id'], unique=False)



def downgrade():
    with op.batch_alter_table('purse_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purse_events_purse_id'))
        batch_op.drop_index(batch_op.f('ix_purse_events_entry_id'))

    op.drop_table('purse_events')
    with op.batch_alter_table('purse_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purse_entries_purse_id'))

    op.drop_table('purse_entries')
    op.drop_table('purses')
