"""Entry point for `flask --app app …` and for gunicorn (`gunicorn 'app:create_app()'`)."""
from aid import create_app

app = create_app()
