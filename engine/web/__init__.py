"""The officers' web application (FastAPI + Jinja2), the public pages and the JSON API."""
