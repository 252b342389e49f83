"""Data out: needs as rows (personal data only on request, audited), HXL open data, formula-safe CSV."""
import csv
import io

import sqlalchemy as sa

from aid.extensions import db
from aid.models import HOLDING, EventKind, Match, MatchState, Need, Region, Union
from aid.services import events
from aid.services.access import union_scope
from aid.services.board import visible

COLUMNS = ("id", "created_at", "category", "urgency", "status", "union", "cell_lat", "cell_lon", "people",
           "first_accepted_at", "closed_at", "helpers")
PERSONAL = ("details", "address", "lat", "lon", "contact_name", "contact_phone", "contact_email", "on_site_name")

# Open data: coarse, closed vocabularies and dates only; no free text, no exact place, no contact.
# Hashtags from the HXL 1.1 dictionary: #need+type (our categories are needs, not IASC clusters,
# which #sector's default vocabulary expects); #org for the union (a community-based organisation,
# +impl: it does the work) and for its region (a federation of unions, neither an administrative
# area, #adm1, nor a cross-national #region); #date+reported when posted, #date+end when closed.
# The dictionary has no attribute for "accepted", so that one is our own (HXL allows it).
OPEN_DATA = (
    ("category", "#need+type"),
    ("cell_lat", "#geo+lat"),
    ("cell_lon", "#geo+lon"),
    ("union", "#org+name+impl"),
    ("region", "#org+name+federation"),
    ("created_at", "#date+reported"),
    ("first_accepted_at", "#date+accepted"),
    ("closed_at", "#date+end"),
    ("status", "#status+code"),
)
# A spreadsheet runs a text cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def needs(unions, status=None, urgency=None, category=None, after=0, limit=None):
    """Rows (Need, union_name, helpers) of the needs the board shows these unions, oldest first.

    `after` and `limit` cut a page: at most `limit` needs whose id is above `after`.
    """
    helpers = (sa.select(sa.func.count(Match.id))
               .where(Match.need_id == Need.id, Match.state.in_((*HOLDING, MatchState.DONE)))
               .correlate(Need).scalar_subquery())
    query = (sa.select(Need, Union.name.label("union_name"), helpers.label("helpers"))
             .outerjoin(Union, Need.union_id == Union.id).where(visible(unions)).order_by(Need.id))
    for column, value in ((Need.status, status), (Need.urgency, urgency), (Need.category, category)):
        if value:
            query = query.where(column == value)
    if after:
        query = query.where(Need.id > after)
    return db.session.execute(query.limit(limit)).all()


def count(unions):
    """How many needs an export of these unions holds."""
    return db.session.scalar(sa.select(sa.func.count(Need.id)).where(visible(unions)))


def needs_table(rows, personal=False):
    """The header and one line per need; the private columns only when `personal` is asked for."""
    table = [COLUMNS + (PERSONAL if personal else ())]
    for need, union_name, helpers in rows:
        line = [need.id, iso(need.created_at), need.category, need.urgency, need.status, union_name,
                need.cell_lat, need.cell_lon, need.people, iso(need.first_accepted_at), iso(need.closed_at), helpers]
        if personal:
            line += [need.details, need.address, need.lat, need.lon,
                     need.contact_name, need.contact_phone, need.contact_email, need.on_site_name]
        table.append(line)
    return table


def record_personal_export(found, user, now):
    """One audit event per need whose personal data leaves the system, naming who took it."""
    for need in found:
        events.record(need, EventKind.EXPORTED, f"Personal data exported by {user.name}", user=user, now=now)


def open_data_unions(user):
    """Every union of the regions the coordinator's unions belong to; their own unions if they have no region."""
    scope = sorted(union_scope(user))
    regions = sa.select(Union.region_id).where(Union.id.in_(scope), Union.region_id.is_not(None))
    return set(db.session.scalars(sa.select(Union.id).where(sa.or_(Union.id.in_(scope), Union.region_id.in_(regions)))))


def open_data(unions):
    """Header, HXL hashtag row, then one anonymised line per need of these unions.

    Only the columns below are read from the database, so nothing private can slip in;
    times are cut to the minute.
    """
    query = (sa.select(Need.category, Need.cell_lat, Need.cell_lon, Union.name, Region.name, Need.created_at,
                       Need.first_accepted_at, Need.closed_at, Need.status)
             .join(Union, Need.union_id == Union.id).outerjoin(Region, Union.region_id == Region.id)
             .where(Need.union_id.in_(unions)).order_by(Need.created_at, Need.id))
    lines = [[category, cell_lat, cell_lon, union, region, iso(created, "minutes"), iso(accepted, "minutes"),
              iso(closed, "minutes"), status]
             for category, cell_lat, cell_lon, union, region, created, accepted, closed, status
             in db.session.execute(query)]
    return [[name for name, _tag in OPEN_DATA], [tag for _name, tag in OPEN_DATA], *lines]


def to_csv(table):
    """CSV text (RFC 4180 quoting), each text cell made safe to open in a spreadsheet."""
    out = io.StringIO()
    csv.writer(out).writerows([safe_cell(cell) for cell in line] for line in table)
    return out.getvalue()


def safe_cell(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def iso(moment, timespec="seconds"):
    """A stored UTC time as ISO 8601 with its zone ("2025-01-31T09:05:00Z"); None stays empty."""
    return None if moment is None else moment.isoformat(timespec=timespec) + "Z"
