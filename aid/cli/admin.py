"""flask aid region-create | union-create | region-hub | invite: the federation from the command line."""
import click
from flask_babel import force_locale

from aid import edge
from aid.cli import aid_cli
from aid.models import utcnow
from aid.services import ServiceError, admin, invitations


@aid_cli.command("region-create")
@click.argument("name")
def region_create(name):
    """Create a region (a federation of unions) called NAME."""
    region = _or_fail(admin.create_region, name)
    edge.commit()
    click.echo(f"Region “{region.name}” created.")


@aid_cli.command("union-create")
@click.option("--name", required=True, help="The union's name, as people know it.")
@click.option("--slug", required=True, help="Short name for links: lowercase letters, digits, dashes.")
@click.option("--lat", type=float, required=True, help="Latitude of the centre.")
@click.option("--lon", type=float, required=True, help="Longitude of the centre.")
@click.option("--radius-km", type=float, default=5.0, show_default=True, help="Radius of the area around the centre.")
@click.option("--region", "region_name", help="The region it belongs to (by name).")
@click.option("--area-file", type=click.File(encoding="utf-8"), help="A GeoJSON Polygon or MultiPolygon: the area.")
@click.option("--escalate-from", type=click.Choice(admin.ESCALATE_FROM), default="low", show_default=True,
              help="The least urgent need that may escalate to other unions (low: all of them).")
def union_create(name, slug, lat, lon, radius_km, region_name, area_file, escalate_from):
    """Create a union: a centre and radius, or an area drawn as GeoJSON."""
    region = _or_fail(admin.region_named, region_name) if region_name else None
    area = _read(area_file) if area_file else None
    union = _or_fail(admin.create_union, region, name, slug, lat, lon, radius_km, area, escalate_from)
    edge.commit()
    where = "its drawn area" if union.area_geojson else f"{union.radius_km:g} km around {union.lat}, {union.lon}"
    click.echo(f"Union “{union.name}” ({union.slug}) created: {where}" + (f", in {region.name}." if region else "."))


@aid_cli.command("region-hub")
@click.argument("region_name", metavar="REGION")
@click.argument("slug", metavar="UNION_SLUG")
def region_hub(region_name, slug):
    """Make the union UNION_SLUG the hub of REGION."""
    region = _or_fail(admin.region_named, region_name)
    union = _or_fail(admin.union_with_slug, slug)
    _or_fail(admin.set_hub, region, union)
    edge.commit()
    click.echo(f"{union.name} is now the hub of {region.name}.")


@aid_cli.command("invite")
@click.option("--union", "slug", help="Invite a coordinator of this union (its short name).")
@click.option("--region", "region_name", help="Invite a coordinator of this region (its name).")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="Where people open the app.")
def invite(slug, region_name, base_url):
    """Print a one-time link that makes whoever accepts it a coordinator (valid 7 days)."""
    if bool(slug) == bool(region_name):
        raise click.UsageError("Give either --union SLUG or --region NAME.")
    if not base_url.startswith(("http://", "https://")):
        raise click.BadParameter("start it with http:// or https://", param_hint="--base-url")
    scope = _or_fail(admin.union_with_slug, slug) if slug else _or_fail(admin.region_named, region_name)
    token, invitation = invitations.invite(scope, None, utcnow())
    edge.commit()
    click.echo(f"One-time link to coordinate {scope.name}, valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC:")
    click.echo(f"{base_url.rstrip('/')}/invite/{token}")


def _or_fail(service, *args):
    """The service's result, or its refusal as the command's error (nothing is saved)."""
    try:
        return service(*args)
    except ServiceError as error:
        with force_locale("en"):  # no request to choose a language from
            message = str(error)
        raise click.ClickException(message) from None


def _read(area_file):
    try:
        text = area_file.read(1_000_001)
    except UnicodeDecodeError:
        raise click.ClickException(f"{area_file.name} is not UTF-8 text: save the GeoJSON as UTF-8.") from None
    if len(text) > 1_000_000:
        raise click.ClickException(f"{area_file.name} is over a million characters: simplify the area first.")
    return text
