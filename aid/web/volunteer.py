"""The volunteer's pages: offers with reasons, accept or decline, the task itself, the profile."""
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import generate_csrf

from aid import edge
from aid.adapters.senders import channels
from aid.extensions import db
from aid.models import HOLDING, Match, MatchState, Skill, Urgency, utcnow
from aid.services import ServiceError, accounts, availability, follow, matches, messages, phones, push, rights, skills
from aid.services.access import may_see_private
from aid.services.locating import find as find_place
from aid.services.matches import Accepted
from aid.web.actions import attempt
from aid.web.forms import (
    DeleteAccountForm,
    EtaForm,
    MessageForm,
    PhoneCheckForm,
    PhoneCodeForm,
    ProfileForm,
    ReasonForm,
)
from aid.web.htmx import go, render, tag, unchanged

bp = Blueprint("volunteer", __name__, url_prefix="/me")


@bp.before_request
@login_required
def _volunteers_only():
    if current_user.volunteer is None:
        abort(403)


@bp.get("/")
def offers():
    me = current_user.volunteer
    offered = sorted(_mine(MatchState.OFFERED), key=lambda m: (-Urgency(m.need.urgency).rank, m.distance_km))
    tasks, missed = _mine(*HOLDING), follow.recently_withdrawn(me, utcnow())
    version = f"offers-{me.id}-{me.on_duty}-" + "-".join(
        f"{m.id}{m.state}{m.slot_id}:{len(m.need.open_slots)}" for m in offered + tasks + missed)
    if (cached := unchanged(version)) is not None:
        return cached
    return render("volunteer/offers.html", "volunteer/_offers.html", me=me, offered=offered, tasks=tasks,
                  missed=missed, now=utcnow(), version=version, skill_names=skills.names())


@bp.post("/snooze")
def snooze():
    """Not now: off duty for a few hours, back on by itself."""
    hours, me = request.form.get("hours", ""), current_user.volunteer
    if availability.snooze(me, int(hours) if hours in {"1", "4", "12"} else 1, utcnow()):
        follow.off_duty(me)  # the offers they have not answered go to others
    edge.commit()
    flash(_("Snoozed. We won't ask you until then; you'll be available again by yourself."), "ok")
    return go(url_for("volunteer.offers"))


@bp.get("/badge")
def badge():
    """How many offers are waiting: polled by the navigation bar, 304 when unchanged."""
    count, newest = db.session.execute(sa.select(sa.func.count(), sa.func.max(Match.id)).where(
        Match.volunteer_id == current_user.volunteer.id, Match.state == MatchState.OFFERED)).one()
    etag = f"badge-{current_user.volunteer.id}-{count}-{newest or 0}"
    if (cached := unchanged(etag)) is not None:
        return cached
    return tag(render("volunteer/_badge.html", "volunteer/_badge.html", count=count), etag)


@bp.post("/offers/<int:match_id>/accept")
def accept(match_id):
    match = _match(match_id)
    try:
        outcome = matches.accept(match, utcnow())
    except ServiceError as error:
        edge.rollback()
        flash(str(error), "error")
        return go(url_for("volunteer.offers"))
    edge.commit()
    if outcome == Accepted.YES:
        flash(_("Thank you! It's yours. The address and contact are below."), "ok")
        return go(url_for("volunteer.task", match_id=match.id))
    flash(_missed(outcome), "info")
    return go(url_for("volunteer.offers"))


def _missed(outcome):
    """What happened to an offer the volunteer tapped too late, said kindly."""
    return {
        Accepted.FILLED: _("Someone else took the last place a moment before you. Thank you: nothing more is "
                           "needed from you for this one."),
        Accepted.SLOT_TAKEN: _("Someone else took the place you could fill a moment before you; the places still "
                               "open need other skills. Thank you: nothing more is needed from you for this one."),
        Accepted.EXPIRED: _("This offer ran out of time before your answer, so we asked someone else. "
                            "Thank you for looking."),
        Accepted.CLOSED: _("This request was closed before your answer: the help is no longer needed. Thank you."),
    }.get(outcome, _("This offer is no longer open. Thank you for being ready to help."))


@bp.post("/offers/<int:match_id>/decline")
def decline(match_id):
    form = ReasonForm()
    matches.decline(_match(match_id), (form.reason.data or "").strip(), utcnow())
    edge.commit()
    flash(_("Declined. Thanks for answering quickly: we'll ask someone else."), "ok")
    return go(url_for("volunteer.offers"))


@bp.get("/tasks/<int:match_id>")
def task(match_id):
    match = _match(match_id)
    need = match.need
    private = may_see_private(current_user, need, match, utcnow())
    return render("volunteer/task.html", "volunteer/_task.html", match=match, need=need, private=private,
                  eta_form=EtaForm(), reason_form=ReasonForm())


@bp.post("/tasks/<int:match_id>/on-my-way")
def on_my_way(match_id):
    form = EtaForm()
    return _act(match_id, lambda m: matches.on_my_way(m, (form.eta.data or "").strip(), utcnow()),
                _("The requester can see you're on your way."))


@bp.post("/tasks/<int:match_id>/done")
def done(match_id):
    return _act(match_id, lambda m: matches.done(m, utcnow()), _("Done. Thank you for helping!"))


@bp.post("/tasks/<int:match_id>/release")
def release(match_id):
    form = ReasonForm()
    return _act(match_id, lambda m: matches.release(m, (form.reason.data or "").strip(), utcnow()),
                _("You gave the task back. We'll find someone else."))


@bp.post("/tasks/<int:match_id>/messages")
def message(match_id):
    match = _match(match_id)
    form = MessageForm()
    if not may_see_private(current_user, match.need, match, utcnow()):
        abort(403)

    def post():
        if not form.validate():
            raise ServiceError(" ".join(map(str, form.body.errors)))  # lazy strings
        messages.post(match.need, form.body.data, utcnow(), user=current_user)

    attempt(post)
    return go(url_for("volunteer.task", match_id=match.id) + "#thread")


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    me = current_user.volunteer
    form = _profile_form(me)
    was_on_duty = me.on_duty
    if form.validate_on_submit():
        if _save_profile(me, form):
            # offers follow: withdrawn if no longer theirs (or they went off duty), new ones matched
            follow.after_profile(me, utcnow(), went_off=was_on_duty and not me.on_duty)
            edge.commit()
            flash(_("Saved."), "ok")
            return go(url_for("volunteer.offers"))
    return _profile_page(me, form, status=422 if form.errors else 200)


@bp.get("/push")
def push_settings():
    """For the service worker re-subscribing on its own: the VAPID key and a CSRF token (read-only)."""
    if not push.configured():
        abort(404)
    response = jsonify(key=current_app.config["VAPID_PUBLIC_KEY"], csrf=generate_csrf())
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/push")
def push_subscribe():
    """Store this device's subscription, JSON as the browser's subscription.toJSON() (+ `replaces`)."""
    if not push.configured():
        abort(404)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="Send the subscription as a JSON object."), 400
    replaces = data.get("replaces") if isinstance(data.get("replaces"), str) else ""
    try:
        push.subscribe(current_user, data, utcnow(), replaces=replaces)
    except ServiceError as error:
        edge.rollback()
        return jsonify(error=str(error)), 400
    edge.commit()
    return jsonify(ok=True), 201


@bp.post("/push/delete")
def push_unsubscribe():
    """Forget this device (JSON {endpoint}); 200 whether or not it was stored."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
        return jsonify(error="Send {\"endpoint\": ...} as JSON."), 400
    deleted = push.unsubscribe(current_user, data["endpoint"])
    edge.commit()
    return jsonify(deleted=deleted)


@bp.post("/phone/code")
def phone_code():
    """Send me a code: a 6-digit code texted to the saved number (or kept in the outbox without SMS)."""
    me, sent = current_user.volunteer, []
    if not PhoneCodeForm().validate_on_submit():
        abort(400)
    if attempt(lambda: sent.append(phones.send_code(me, utcnow()))):
        flash(_("We texted a code to %(phone)s. Type it below; it works for 15 minutes.", phone=me.phone)
              if sent[0] == phones.Sent.TEXTED else
              _("Text messages are not set up on this site, so no code was sent. It is kept unsent in the outbox, "
                "where the people who run the site can read it: ask them for it."), "info")
    return go(url_for("volunteer.profile") + "#phone-check")


@bp.post("/phone/check")
def phone_check():
    """The code typed back: right, the phone is checked; wrong or expired, say so (422) and keep the page."""
    me, check = current_user.volunteer, PhoneCheckForm()
    if check.validate_on_submit():
        outcome = phones.check_code(me, check.code.data, utcnow())
        edge.commit()  # a wrong try counts too
        if outcome == phones.Checked.VERIFIED:
            flash(_("Your phone is checked: offers will come by SMS.") if "sms" in me.channel_list else
                  _("Your phone is checked. Choose text messages above to get offers by SMS."), "ok")
            return go(url_for("volunteer.profile") + "#phone-check")
        check.code.errors = [{
            phones.Checked.WRONG: _("That code is not right. Check the text message and try again."),
            phones.Checked.EXPIRED: _("That code has expired or was replaced. Tap “Send me a code” for a new one."),
            phones.Checked.TOO_MANY: _("Too many wrong tries. Tap “Send me a code” for a new one."),
        }[outcome]]
    return _profile_page(me, _profile_form(me, posted=False), check=check, status=422)


def _profile_form(me, posted=True):
    """The profile form, from the posted fields (`posted`) or as saved."""
    form = ProfileForm(obj=me) if posted else ProfileForm(formdata=None, obj=me)
    form.skills.choices = _skill_choices()
    if not posted or "channels" not in request.form:
        form.channels.data = phones.order_of(me)
    if not posted or not form.is_submitted():
        form.skills.data = [s.slug for s in me.skills]
        form.languages.data = me.language_list
        form.schedule_days.data = [d for d in me.schedule_days.split(",") if d]
        form.schedule_from.data, form.schedule_to.data = (
            time(m // 60, m % 60) if m is not None and m < 1440 else None for m in (me.schedule_from, me.schedule_to))
        form.quiet_from.data, form.quiet_to.data = (
            time(m // 60, m % 60) if m is not None else None for m in (me.quiet_from, me.quiet_to))
    return form


def _profile_page(me, form, check=None, status=200):
    """The profile page; an htmx request gets the part that was posted."""
    fragment = "volunteer/_phone.html" if check is not None else "volunteer/_profile_form.html"
    pending = bool(me.phone_code_hash and me.phone_code_expires_at and me.phone_code_expires_at > utcnow())
    return render("volunteer/profile.html", fragment, status=status, form=form, me=me,
                  check=check or PhoneCheckForm(formdata=None), code_form=PhoneCodeForm(formdata=None),
                  code_pending=pending, sms_here="sms" in channels(),
                  push_key=current_app.config["VAPID_PUBLIC_KEY"] if push.configured() else "")


@bp.get("/data")
def data():
    """Your data: download it, or delete the account."""
    return render("volunteer/data.html", "volunteer/_data.html")


@bp.get("/data.json")
def data_download():
    """Everything stored about the volunteer, as a JSON file."""
    response = jsonify(rights.volunteer_data(current_user, utcnow()))
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{utcnow():%Y%m%d}.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    """Delete the account after the password is typed again; tasks go back to the matcher."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if accounts.authenticate(current_user.email, form.password.data) is not None:
            rights.delete_account(current_user, utcnow())
            edge.commit()
            _end_session()
            flash(_("Your account is deleted. Thank you for all you did."), "ok")
            return go(url_for("public.home"))
        form.password.errors.append(_("That password is not right."))
    return render("volunteer/delete.html", "volunteer/_delete_form.html", status=422 if form.errors else 200,
                  form=form)


def _end_session():
    """Log out and forget the session, but keep the chosen language."""
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language


def _skill_choices():
    """Skills as a tree: each parent, then its children indented (a child skill covers its parent)."""
    skills = db.session.scalars(sa.select(Skill)).all()

    def branch(parent_id, depth):
        for skill in sorted((s for s in skills if s.parent_id == parent_id), key=lambda s: _(s.name)):
            yield skill.slug, ("↳ " * depth) + _(skill.name)
            yield from branch(skill.id, depth + 1)

    return list(branch(None, 0))


def _save_profile(me, form):
    point = form.point()
    if point is None and form.base_label.data:
        if form.base_label.data != me.base_label:
            found = find_place(form.base_label.data)
            point = (found.lat, found.lon) if found else None
        else:
            point = (me.lat, me.lon)
    if point is None or point[0] is None:
        form.base_label.errors = [_("We could not find that place. Tap “Use my location” or type a nearby town.")]
        return False
    fields = dict(base_label=(form.base_label.data or "").strip(), max_km=float(form.max_km.data),
                  capacity=form.capacity.data, week_cap=form.week_cap.data, has_vehicle=form.has_vehicle.data,
                  on_duty=form.on_duty.data, languages=",".join(form.languages.data or ["en"]),
                  lat=point[0], lon=point[1], **_availability(form))
    accounts.update_profile(me, fields, form.skills.data or [])
    phones.set_reach(me, form.channels.data, form.phone.data or "")
    return True


def _availability(form):
    """The profile's availability fields as columns: "until" today in local time, the weekly and quiet hours."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    until = None
    if form.on_duty.data and form.until.data:
        local = datetime.combine(datetime.now(zone).date(), form.until.data, zone)
        until = local.astimezone(UTC).replace(tzinfo=None)
    days = sorted(form.schedule_days.data or [])
    minutes = [t.hour * 60 + t.minute if t else None for t in (form.schedule_from.data, form.schedule_to.data)]
    quiet = [t.hour * 60 + t.minute if t else None for t in (form.quiet_from.data, form.quiet_to.data)]
    return dict(on_duty_until=until, schedule_days=",".join(days),
                schedule_from=minutes[0] if days else None, schedule_to=minutes[1] if days else None,
                quiet_from=quiet[0], quiet_to=quiet[1])


def _act(match_id, action, message):
    match = _match(match_id)
    if not attempt(lambda: action(match), message):
        return go(url_for("volunteer.offers"))
    return go(url_for("volunteer.task", match_id=match.id))


def _mine(*states):
    return db.session.scalars(sa.select(Match).where(
        Match.volunteer_id == current_user.volunteer.id, Match.state.in_(states)).order_by(Match.offered_at.desc())).all()


def _match(match_id):
    """The current volunteer's own match; 404 for anyone else's."""
    try:
        return matches.get_match(match_id, current_user.volunteer)
    except LookupError:
        abort(404)
