"""`casebot console`: the web pages for caseworkers (the referred applications), operators (the work
queue and the runs) and auditors (the trail), on the worker's own store and ports. Server-rendered
(FastAPI and Jinja2), in Swedish, with no JavaScript to build.

    app.py          the application: middleware, error pages, the routers
    web.py          what every page shares: who is signed in, roles, CSRF, rendering
    auth.py         users, passwords, sessions, the sign-in record (replaceable by single sign-on)
    views.py        what the pages show, read from the store
    caseworker.py   the queue, the case page, decisions, letters, the stickprov list
    operator.py     items by state, failed items and requeue, runs and their logs
    auditor.py      the chain's status, a case's story, the export, the sign-in record
"""
