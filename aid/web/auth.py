"""Volunteer and coordinator accounts: sign up, log in, log out."""
from flask import Blueprint, current_app, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from aid import edge
from aid.extensions import limiter
from aid.models import utcnow
from aid.services import ServiceError, accounts
from aid.web.forms import LoginForm, SignupForm, page_language
from aid.web.htmx import go, local_target, render

bp = Blueprint("auth", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(form.name.data, form.email.data, form.password.data,
                                     language=page_language())
        except ServiceError as error:
            form.email.errors.append(str(error))
        else:
            edge.commit()
            _start_session(user, remember=False)
            if target := local_target(request.args.get("next")):  # e.g. back to a coordinator invitation
                return go(target)
            flash(_("Welcome! Tell us what you can do and where you are, then switch on “available”."), "ok")
            return go(url_for("volunteer.profile"))
    return render("auth/signup.html", "auth/_signup_form.html", status=422 if form.errors else 200, form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])  # checked before any hashing
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            if user.volunteer:
                user.volunteer.last_seen_at = utcnow()
            edge.commit()  # with a password rehash, if argon2's parameters changed
            _start_session(user, remember=form.remember.data)
            return go(_next_page(user))
        form.password.errors.append(_("That email and password do not match an account."))
    return render("auth/login.html", "auth/_login_form.html", status=422 if form.errors else 200, form=form)


@bp.post("/logout")
@login_required
def logout():
    accounts.end_sessions(current_user)
    edge.commit()
    logout_user()
    _fresh_session()
    flash(_("You are logged out."), "ok")
    return go(url_for("public.home"))


def _start_session(user, remember):
    _fresh_session()  # no data from before the login survives it, but the chosen language
    session.permanent = True
    login_user(user, remember=remember)


def _fresh_session():
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    # The new CSRF secret goes out with this answer: were it made by whichever request first
    # renders a form, two pages loading at once would each make one, and the last cookie
    # written would refuse the other page's forms. (Flask-WTF keeps this request's token in
    # g: drop it, it belongs to the session just cleared.)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()


def _next_page(user):
    if target := local_target(request.args.get("next")):
        return target
    if user.coordinator_of:
        return url_for("board.index")
    return url_for("volunteer.offers")
