"""Federation administration (/admin) and the one-time invitation links (/invite/<token>)."""
from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from aid import edge
from aid.extensions import db
from aid.models import Region, Union, Urgency, utcnow
from aid.services import FieldError, ServiceError, admin, geojson, invitations
from aid.web.forms import Form
from aid.web.htmx import go, render

bp = Blueprint("admin", __name__)

# A union's escalation policy is the least urgent need that may leave it: sentences about the
# policy (they quote Urgency.label), as the form offers them and as a union's card states them.
POLICIES = {
    Urgency.LOW: (_l("All needs may go to other unions"), _l("all needs")),
    Urgency.NORMAL: (_l("Only “Today” and more urgent"), _l("“Today” and more urgent")),
    Urgency.HIGH: (_l("Only “Within a few hours” and more urgent"), _l("“Within a few hours” and more urgent")),
    Urgency.CRITICAL: (_l("Only “Right now”"), _l("only “Right now”")),
}
ESCALATION = [(u.value, POLICIES[u][0]) for u in Urgency]  # least urgent first
ESCALATES = {u.value: POLICIES[u][1] for u in Urgency}
INVITATION_STATUS = {"unknown": 404, "used": 410, "expired": 410, "already": 409}


def number(message):
    """Parse a typed decimal (a comma works as the point); ranges are the service's to check."""
    def parse(form, field):
        try:
            field.number = float(field.data.strip().replace(",", "."))
        except ValueError:
            raise ValidationError(message) from None
    return parse


def _decimal(label, message, **kw):
    return StringField(label, validators=[InputRequired(message), number(message)],
                       render_kw={"inputmode": "decimal", "autocomplete": "off"}, **kw)


class AreaForm(Form):
    lat = _decimal(_l("Latitude"), _l("Give the centre's latitude as a number, like 50.874."))
    lon = _decimal(_l("Longitude"), _l("Give the centre's longitude as a number, like 0.009 or -1.25."))
    radius_km = _decimal(_l("Radius (km)"), _l("Give the radius in km, like 5."), default="5")
    area = TextAreaField(_l("Area drawn as GeoJSON (optional)"), validators=[
        Optional(), Length(max=100_000, message=_l("This area is too detailed: simplify it to under 100,000 characters."))],
        render_kw={"spellcheck": "false", "autocapitalize": "off", "rows": 5})
    escalate_from = RadioField(_l("When nobody here takes a need in time, which may go to other unions?"),
                               choices=ESCALATION, default="low",
                               validators=[InputRequired(_l("Choose which needs may go to other unions."))])

    def validate_area(self, field):
        try:
            geojson.parse_area(field.data)
        except ServiceError as error:
            raise ValidationError(str(error)) from None

    def values(self):
        return dict(lat=self.lat.number, lon=self.lon.number, radius_km=self.radius_km.number,
                    area=self.area.data, escalate_from=self.escalate_from.data)


class UnionForm(AreaForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Give the union a name.")), Length(max=80)])
    slug = StringField(_l("Short name"), render_kw={"autocapitalize": "off", "autocomplete": "off"},
                       validators=[InputRequired(_l("Give the union a short name, like “north-lewes”.")), Length(max=40)])


class HubForm(Form):
    hub = SelectField(_l("Hub union"), choices=[])

    @classmethod
    def of(cls, region):
        form = cls()
        form.hub.choices = [("", "")] + [(str(u.id), u.name) for u in region.unions]
        return form

    def union(self):
        return db.session.get(Union, int(self.hub.data)) if self.hub.data else None


@bp.get("/admin/")
@login_required
def index():
    return _index_page()


@bp.route("/admin/regions/<int:region_id>/unions/new", methods=["GET", "POST"])
@login_required
def new_union(region_id):
    region = region_or_404(region_id)
    form = UnionForm()
    if _saved(form, lambda: admin.create_union(region, form.name.data, form.slug.data, **form.values())):
        flash(_("%(name)s is ready. Invite its first coordinator.", name=form.name.data.strip()), "ok")
        return go(url_for("admin.index"))
    return _union_page(form, region, None)


@bp.route("/admin/unions/<int:union_id>/edit", methods=["GET", "POST"])
@login_required
def edit_union(union_id):
    union = union_or_404(union_id)
    form = AreaForm(data=dict(lat=str(union.lat), lon=str(union.lon), radius_km=f"{union.radius_km:g}",
                              area=union.area_geojson or "", escalate_from=union.escalate_from))
    if _saved(form, lambda: admin.update_union(union, **form.values())):
        flash(_("%(name)s is saved.", name=union.name), "ok")
        return go(url_for("admin.index"))
    return _union_page(form, union.region, union)


@bp.post("/admin/regions/<int:region_id>/hub")
@login_required
def set_hub(region_id):
    region = region_or_404(region_id)
    form = HubForm.of(region)
    if _saved(form, lambda: admin.set_hub(region, form.union())):
        flash(_("The hub of %(name)s is saved.", name=region.name), "ok")
        return go(url_for("admin.index"))
    return _index_page(422, {region.id: _("Choose one of this region's unions.")})


@bp.route("/admin/unions/<int:union_id>/invite", methods=["GET", "POST"])
@login_required
def invite_union(union_id):
    return _invite(db.get_or_404(Union, union_id))


@bp.route("/admin/regions/<int:region_id>/invite", methods=["GET", "POST"])
@login_required
def invite_region(region_id):
    return _invite(db.get_or_404(Region, region_id))


@bp.get("/invite/<token>")
def show_invitation(token):
    try:
        found = invitations.open_invitation(token, utcnow())
    except invitations.InvitationError as error:
        return _refused(error)
    already = current_user.is_authenticated and invitations.already_coordinates(current_user, found)
    return _private(render("admin/invitation.html", "admin/_invitation.html", invitation=found, token=token,
                           already=already, message=None))


@bp.post("/invite/<token>")
@login_required
def accept(token):
    try:
        found = invitations.accept(token, current_user, utcnow())
    except invitations.InvitationError as error:
        return _refused(error)
    edge.commit()
    flash(_("You are now a coordinator of %(name)s.", name=found.scope.name), "ok")
    return go(url_for("board.index") if found.union_id else url_for("admin.index"))


def region_or_404(region_id):
    """A region the user coordinates; 404 if there is no such region, 403 if it is not theirs."""
    region = db.get_or_404(Region, region_id)
    if not admin.manages(current_user, region):
        abort(403)
    return region


def union_or_404(union_id):
    """A union of a region the user coordinates; 404 if there is no such union, 403 otherwise."""
    union = db.get_or_404(Union, union_id)
    if union.region is None or not admin.manages(current_user, union.region):
        abort(403)
    return union


def _saved(form, save):
    """Validate, then save through the service and commit; False leaves the errors on the form."""
    if not form.validate_on_submit():
        return False
    try:
        save()
    except FieldError as error:
        edge.rollback()
        form[error.field].errors.append(str(error))
        return False
    edge.commit()
    return True


def _index_page(status=200, hub_errors=None):
    """The regions the user manages with their unions, then the other unions they coordinate."""
    regions, unions = admin.managed_regions(current_user), admin.other_unions(current_user)
    if not (regions or unions):
        abort(403)
    return render("admin/index.html", "admin/_index.html", status=status, regions=regions, unions=unions,
                  policies=ESCALATES, hub_errors=hub_errors or {})


def _union_page(form, region, union):
    return render("admin/union.html", "admin/_union_form.html", status=422 if form.errors else 200,
                  form=form, region=region, union=union)


def _invite(scope):
    """Show the button that makes a link; after the POST, the link itself (shown only this once)."""
    if not admin.may_invite(current_user, scope):
        abort(403)
    link = None
    if request.method == "POST":
        token, _invitation = invitations.invite(scope, current_user, utcnow())
        edge.commit()
        link = url_for("admin.show_invitation", token=token, _external=True)
    page = render("admin/invite.html", "admin/_invite.html", status=201 if link else 200, scope=scope, link=link,
                  region=scope if isinstance(scope, Region) else None, days=invitations.INVITATION_DAYS)
    return _private(page)


def _refused(error):
    page = render("admin/invitation.html", "admin/_invitation.html", status=INVITATION_STATUS[error.reason],
                  invitation=None, message=str(error), reason=error.reason)
    return _private(page)


def _private(response):
    """Pages that hold an invitation's token stay out of every cache."""
    response.headers["Cache-Control"] = "no-store"
    return response
