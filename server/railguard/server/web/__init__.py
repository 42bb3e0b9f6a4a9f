"""The web app for people: server-rendered pages (Jinja2, autoescaped) over the same domain
code as the JSON API, signed in with a session cookie, with a little JavaScript for live updates.

Pages are not part of the API document; `setup_web` adds their routes and static files.
"""
