"""The common purse's pages: the ledger for members and coordinators, its forms, actions and CSV."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from aid import edge
from aid.extensions import db
from aid.models import PurseEntry, utcnow
from aid.services import FieldError, ServiceError, purse_access, purse_ledger, purse_money
from aid.services import purse as ledger
from aid.services.exports import to_csv
from aid.services.purse_access import Role
from aid.web.actions import attempt
from aid.web.board.exports import _csv as csv_download  # the board's download conventions, as they are
from aid.web.htmx import go, render
from aid.web.purse_forms import ContributionForm, OpenForm, PaidForm, RefuseForm, SpendForm, field_error

bp = Blueprint("purse", __name__, url_prefix="/purse")


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs an account; each view then checks the person's role in that union."""


@bp.app_template_filter("money")
def money(minor, currency, sign=""):
    """An amount in the reader's locale, kept left to right as a whole inside Arabic text ("+12.40 UK£")."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(sign + purse_money.show(minor, currency))


@bp.get("/")
def index():
    """The person's purse, or the purses they may read when they coordinate several unions."""
    unions = purse_access.unions_for(current_user)
    if len(unions) == 1:
        return redirect(url_for("purse.show", slug=unions[0].slug))
    return render_template("purse/index.html", unions=unions)


@bp.get("/<slug>")
def show(slug):
    union, purse, who = _purse(slug)
    lines = purse_ledger.lines(purse, names=who == Role.COORDINATOR) if purse else []
    return render("purse/show.html", "purse/_ledger.html", union=union, purse=purse, manager=who == Role.COORDINATOR,
                  lines=lines, totals=purse_ledger.totals(purse) if purse else {}, open_form=_open_form(),
                  paid_form=PaidForm(formdata=None), refuse_form=RefuseForm(formdata=None))


@bp.post("/<slug>/open")
def open_purse(slug):
    union, purse, _who = _purse(slug, Role.COORDINATOR)
    form = _open_form()
    if purse is None and form.validate():
        attempt(lambda: ledger.open_purse(union, form.currency.data, current_user, utcnow()), _("The purse is open."))
    elif purse is None:
        flash(_("Choose the currency the purse is kept in."), "error")
    return go(url_for("purse.show", slug=slug))


@bp.route("/<slug>/contribute", methods=["GET", "POST"])
def contribute(slug):
    union, purse, _who = _purse(slug, Role.COORDINATOR, opened=True)
    form = ContributionForm(purse.currency, dated=utcnow().date())
    if form.is_submitted() and form.validate() and _saved(form, lambda: ledger.contribute(
            purse, form.minor, form.contributor.data or "", form.name_shown.data, form.dated.data, current_user,
            utcnow()), _("Contribution recorded.")):
        return go(url_for("purse.show", slug=slug))
    return _form_page("purse/contribute.html", "purse/_contribute_form.html", form, union, purse)


@bp.route("/<slug>/spend", methods=["GET", "POST"])
def spend(slug):
    """Ask the purse to pay: its coordinators, or a volunteer for a request they accepted."""
    union, purse, who = _purse(slug, Role.NONE, opened=True)
    needs = purse_access.payable_needs(current_user, union)
    if who == Role.NONE and not needs:
        abort(403)
    form = SpendForm(purse.currency, need_id=request.args.get("need", ""))
    form.need_id.choices = _need_choices(needs, who)
    chosen = {str(n.id): n for n in needs}.get(form.need_id.data)
    if form.is_submitted() and form.validate() and _saved(form, lambda: ledger.request_spend(
            purse, form.minor, form.what.data, chosen, current_user, utcnow()),
            _("Asked. A coordinator other than the one who asked must approve it.")):
        return go(url_for("purse.show", slug=slug) if who else url_for("volunteer.offers"))
    return _form_page("purse/spend.html", "purse/_spend_form.html", form, union, purse)


@bp.post("/<slug>/entries/<int:entry_id>/approve")
def approve(slug, entry_id):
    return _act(slug, entry_id, lambda e: ledger.approve(e, current_user, utcnow()),
                _("Approved. Pay it outside the app, then mark it paid."))


@bp.post("/<slug>/entries/<int:entry_id>/refuse")
def refuse(slug, entry_id):
    return _act(slug, entry_id, lambda e: ledger.refuse(e, current_user, RefuseForm().reason.data or "", utcnow()),
                _("Refused."))


@bp.post("/<slug>/entries/<int:entry_id>/withdraw")
def withdraw(slug, entry_id):
    return _act(slug, entry_id, lambda e: ledger.withdraw(e, current_user, utcnow()), _("Withdrawn."))


@bp.post("/<slug>/entries/<int:entry_id>/paid")
def paid(slug, entry_id):
    return _act(slug, entry_id, lambda e: ledger.mark_paid(e, current_user, PaidForm().reference.data or "", utcnow()),
                _("Marked paid."))


@bp.get("/<slug>/ledger.csv")
def ledger_csv(slug):
    """The ledger for the union's meetings: contributors anonymised as they chose, amounts in major units."""
    union, purse, _who = _purse(slug, opened=True)
    return csv_download(to_csv(purse_ledger.table(purse)), f"purse-{union.slug}")


def _purse(slug, least=Role.MEMBER, opened=False):
    """(union, its purse or None, the person's role); 404 for no such union (or no purse yet if `opened`),
    403 below the role needed."""
    try:
        union, purse = purse_access.union_by_slug(slug)
    except LookupError:
        abort(404)
    who = purse_access.role(current_user, union)
    if who < least:
        abort(403)
    if opened and purse is None:
        abort(404)
    return union, purse, who


def _saved(form, action, done):
    """Run the service for a valid form; commit and say so, or roll back and show why next to the field."""
    try:
        action()
    except FieldError as error:
        edge.rollback()
        field_error(form, error)
        return False
    except ServiceError as error:
        edge.rollback()
        flash(str(error), "error")
        return False
    edge.commit()
    flash(done, "ok")
    return True


def _act(slug, entry_id, action, done):
    _union, purse, _who = _purse(slug)
    entry = db.session.get(PurseEntry, entry_id)
    if entry is None or entry.purse_id != purse.id:
        abort(404)
    try:
        attempt(lambda: action(entry), done)
    except PermissionError:
        edge.rollback()
        abort(403)
    return go(url_for("purse.show", slug=slug))


def _form_page(page, fragment, form, union, purse):
    return render(page, fragment, status=422 if form.errors else 200, form=form, union=union, purse=purse,
                  example=purse_money.example(purse.currency, str(get_locale())))


def _open_form():
    form = OpenForm(currency=purse_money.default_currency(current_app.config.get("PHONE_REGION")))
    form.currency.choices = purse_money.currencies(str(get_locale()))
    return form


def _need_choices(needs, who):
    first = [("", _("Not for one request (union costs)"))] if who == Role.COORDINATOR else []
    return first + [(str(n.id), f"#{n.id} · {n.category.label}{' · ' + n.summary if n.summary else ''}") for n in needs]
