"""Endpoint handlers, one module per family; every module here is imported by ``routes.load_handlers``."""
