"""The application layer: every use case the command line and the web app share, one function each.

Each function takes the `Runtime` (settings, database, clock, content) and the person it acts for, opens one unit
of work, and returns domain values. Adapters (`backcoach.cli`, `backcoach.web`) parse, call one function, and render;
only this package and `backcoach.storage` touch the database tables.
"""
