"""Volunteer accounts: sign up, log in with argon2, end every session on logout."""
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.models import Skill, User, Volunteer
from aid.services import ServiceError, locating
from aid.services.candidates import volunteer_box

hasher = PasswordHasher()  # argon2id with defaults that meet OWASP ASVS
# Verified against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = hasher.hash("not a real password")


def register(name, email, password, union_id=None, language="en"):
    """Create a user with a volunteer profile (off duty until they set it up) who speaks `language`."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise ServiceError(_l("An account with this email already exists. Try logging in."))
    user = User(name=name.strip(), email=email, password_hash=hasher.hash(password))
    user.volunteer = Volunteer(union_id=union_id, on_duty=False, languages=language)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email, password):
    """The user with this email and password, or None."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def end_sessions(user):
    """Invalidate every session and remember-me cookie of this user."""
    user.session_version += 1


def update_profile(volunteer, fields, skill_slugs):
    """Save a volunteer's profile and recompute the travel box the candidate query uses."""
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.skills = db.session.scalars(sa.select(Skill).where(Skill.slug.in_(skill_slugs))).all()
    set_base(volunteer, volunteer.lat, volunteer.lon)


def set_base(volunteer, lat, lon):
    """Move a volunteer's base: their travel box, and the union whose area holds it."""
    volunteer.lat, volunteer.lon = lat, lon
    if lat is None or lon is None:
        volunteer.box_south = volunteer.box_north = volunteer.box_west = volunteer.box_east = None
        return
    union = locating.route(lat, lon)
    volunteer.union_id = union.id if union else volunteer.union_id
    box = volunteer_box(lat, lon, volunteer.max_km)
    volunteer.box_south, volunteer.box_north, volunteer.box_west, volunteer.box_east = box
