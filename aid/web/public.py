"""The requester's pages: ask for help without an account, then follow it by a private link."""
from flask import Blueprint, abort, current_app, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from aid import edge
from aid.models import utcnow
from aid.services import ServiceError, messages, needs, rights, things_matching
from aid.web.actions import attempt
from aid.web.forms import DeleteRequestForm, MessageForm, NeedForm, ThanksForm
from aid.web.htmx import go, local_target, render, tag, unchanged
from aid.web.limits import asking
from aid.web.thing_forms import ThingAskForm

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render("public/home.html", "public/home.html")


@bp.get("/ask")
def new():
    return render("public/ask.html", "public/_ask_form.html", form=NeedForm())


@bp.post("/ask")
@asking  # counts floods, failures and repeats, not the many people behind one address
def create():
    form = NeedForm(formdata=request.form)  # never a JSON body
    things_asked = ThingAskForm(formdata=request.form)  # a bed, a van… beside the helpers (aid/web/thing_forms.py)
    valid = form.validate()
    if not (things_asked.validate() and things_asked.check(form.category.data, utcnow())) or not valid:
        return render("public/ask.html", "public/_ask_form.html", status=422, form=form, things_asked=things_asked)
    if not form.same_anyway.data and (earlier := needs.similar_recent(form.fields(), utcnow())):
        form.same_anyway.data = "yes"
        return render("public/ask.html", "public/_ask_form.html", form=form, earlier=earlier, now=utcnow(),
                      things_asked=things_asked)
    _need, token, _work = store(form, things_asked.asked())
    return go(url_for("public.show", token=token))


@bp.get("/t/<token>")
def show(token):
    need = _need(token)
    etag = f"need-{need.id}-{need.events[-1].id if need.events else 0}"
    if (cached := unchanged(etag)) is not None:
        return cached
    just_posted = session.pop("posted", None) == need.id
    response = render("public/track.html", "public/_status.html", need=need, token=token, version=etag,
                      helpers=needs.helpers(need), just_posted=just_posted, closing=needs.closing_note(need))
    return tag(response, etag)


@bp.post("/t/<token>/cancel")
def cancel(token):
    return _close(token, needs.cancel, _("Your request is cancelled. Thank you for letting us know."))


@bp.post("/t/<token>/done")
def done(token):
    form = ThanksForm()
    thanks = (form.thanks.data or "").strip() if form.validate() else ""

    def fulfil(need, now):
        if thanks:  # before closing: a closed need takes no messages
            messages.post(need, thanks, now)
        needs.mark_fulfilled(need, now)

    return _close(token, fulfil, _("Marked as done. We are glad you got help."))


@bp.route("/t/<token>/edit", methods=["GET", "POST"])
def edit(token):
    need = _need(token)
    form, movable = NeedForm(obj=need), needs.place_editable(need)
    if form.is_submitted() and _valid_edit(form, movable):
        saved = _("Saved.") if movable else _("Saved. Your volunteer sees the new details.")  # nobody holds it yet
        attempt(lambda: needs.edit(need, form.fields(), utcnow()), saved)
        return go(url_for("public.show", token=token))
    if not form.is_submitted():  # a point is sent only when the person gives one anew (location or pin)
        form.lat.data = form.lon.data = None
    return render("public/edit.html", "public/_edit_form.html", status=422 if form.errors else 200,
                  form=form, need=need, token=token, movable=movable)


def _valid_edit(form, movable):
    """Only the editable fields are checked (with their own checks), and the place while it may move;
    the kind stays as posted."""
    valid = True
    for name in needs.EDITABLE + (("address",) if movable else ()):
        inline = getattr(type(form), f"validate_{name}", None)
        valid = form[name].validate(form, [inline] if inline else []) and valid
    if valid and not (form.contact_phone.data or form.contact_email.data):
        form.contact_phone.errors = [_("Give a phone number or an email, so a helper can reach you.")]
        return False
    return valid


@bp.post("/t/<token>/still-needed")
def still_needed(token):
    need = _need(token)
    attempt(lambda: needs.still_needed(need, utcnow()), _("Thank you. We are asking volunteers again."))
    return go(url_for("public.show", token=token))


@bp.post("/t/<token>/messages")
def message(token):
    need = _need(token)
    form = MessageForm()

    def post():
        if not form.validate():
            raise ServiceError(" ".join(map(str, form.body.errors)))  # lazy strings
        messages.post(need, form.body.data, utcnow())

    attempt(post)
    return go(url_for("public.show", token=token) + "#thread")


@bp.post("/language")
def language():
    code = request.form.get("lang", "")
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return go(local_target(request.form.get("next")) or url_for("public.home"))


def store(form, thing=None):
    """Store a valid need (or find the same submission again), commit, then queue its matching.

    `thing` is (kind, quantity, starts, ends) when the need also asks for a thing.
    """
    try:
        need, token, work = needs.create_need(form.fields(), utcnow())
        if thing is not None and work is not None:  # a new need, not a replay of one stored
            things_matching.ask_for(need, *thing)
        # Read before the commit: a read after it would open a new transaction, which on
        # SQLite would hold the write lock while the edge waits on the queue.
        need_id = need.id
        edge.commit()
    except IntegrityError:  # the same replay arrived twice at once: the first one stored it
        need, token, work = needs.create_need(form.fields(), utcnow())
        need_id = need.id
    session["posted"] = need_id  # the tracking page shows its "keep this link" notice once
    return need, token, work


def _close(token, action, message):
    need = _need(token)
    attempt(lambda: action(need, utcnow()), message)
    return go(url_for("public.show", token=token))


def _need(token):
    """The need behind a tracking link; 404 for any other token."""
    try:
        return needs.by_token(token)
    except LookupError:
        abort(404)


@bp.route("/t/<token>/delete", methods=["GET", "POST"])
def delete(token):
    """Delete the request and its personal data, after a confirmation page; the link then says so."""
    need, form = _need(token), DeleteRequestForm()
    if not form.validate_on_submit():
        return render("public/delete.html", "public/_delete_form.html", form=form, need=need, token=token)
    rights.delete_request(need, utcnow())
    edge.commit()
    return go(url_for("public.show", token=token))


@bp.errorhandler(needs.Deleted)
def deleted(_error):
    """Every tracking-link address of a deleted request: 410 Gone, with a page that says what happened."""
    return render("public/deleted.html", "public/_deleted.html", status=410)
