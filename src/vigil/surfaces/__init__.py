"""The five surfaces: each one router group with its own gate, routes and templates.

``staff`` and ``api`` share the signed-in gate (:mod:`vigil.surfaces.gate`); ``intake``,
``link`` and ``public`` never read a staff session. Domains below know nothing of HTTP.
"""
