"""Generation driver: spec/ -> generated/ (bundle, client package, pydantic models, MANIFEST.json).

Entry point: ``python -m generator bundle|generate|check`` (see generator/README.md). Importing this
package must stay cheap: the no-op path of ``make generate`` runs on the standard library alone.
"""
