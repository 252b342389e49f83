"""When volunteers are available: "until", snooze and a weekly schedule, applied to on_duty."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from aid.extensions import db
from aid.models import Volunteer


def snooze(volunteer, hours, now):
    """Off duty for a while; the sweep puts them back on when it ends. True if they were on duty."""
    was_on = volunteer.on_duty
    volunteer.on_duty, volunteer.snoozed_until = False, now + timedelta(hours=hours)
    return was_on


def apply(now):
    """Bring on_duty in line with each volunteer's availability; returns (who came on duty, who went off).

    A snooze that ended puts the volunteer back on duty; a passed "until" takes them off;
    a weekly schedule (days and hours, local time) decides on its own for those who set one.
    """
    woke = db.session.scalars(sa.select(Volunteer).where(Volunteer.snoozed_until <= now)).all()
    for volunteer in woke:
        volunteer.on_duty, volunteer.snoozed_until = True, None
    went_off = []
    for volunteer in db.session.scalars(sa.select(Volunteer).where(Volunteer.on_duty_until <= now)):
        if volunteer.on_duty:
            went_off.append(volunteer)
        volunteer.on_duty, volunteer.on_duty_until = False, None
    scheduled = db.session.scalars(sa.select(Volunteer).where(
        Volunteer.schedule_days != "", Volunteer.snoozed_until.is_(None))).all()
    local = now.replace(tzinfo=UTC).astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    for volunteer in scheduled:
        inside = in_schedule(volunteer, local.weekday(), local.hour * 60 + local.minute)
        if inside != volunteer.on_duty:
            (woke if inside else went_off).append(volunteer)
        volunteer.on_duty = inside
    return woke, [v for v in dict.fromkeys(went_off) if not v.on_duty]


def in_schedule(volunteer, weekday, minute):
    days = {int(d) for d in volunteer.schedule_days.split(",") if d.isdecimal()}
    start, end = volunteer.schedule_from or 0, volunteer.schedule_to or 24 * 60
    return weekday in days and start <= minute < end


def quiet_until(volunteer, now):
    """When the volunteer's quiet hours end (UTC, naive) if `now` is inside them, else None.

    Quiet hours are local minutes after midnight; a start after the end wraps past midnight
    (22:00-07:00); the same start and end, or either one missing, is no quiet hours at all.
    """
    start, end = volunteer.quiet_from, volunteer.quiet_to
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local = now.replace(tzinfo=UTC).astimezone(zone)
    minute = local.hour * 60 + local.minute
    if not (start <= minute < end if start < end else minute >= start or minute < end):
        return None
    ends = datetime.combine(local.date(), time(end // 60, end % 60), zone)
    if ends <= local:
        ends = datetime.combine(local.date() + timedelta(days=1), time(end // 60, end % 60), zone)
    return ends.astimezone(UTC).replace(tzinfo=None)
