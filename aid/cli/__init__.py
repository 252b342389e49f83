"""`flask aid …`: one command group; its commands live in the modules below."""
from flask.cli import AppGroup

aid_cli = AppGroup("aid", help="Mutual Aid Matcher commands.")


def init_app(app):
    app.cli.add_command(aid_cli)


from aid.cli import admin, commands, grow  # noqa: E402,F401  (their commands join aid_cli)
