"""A local simulator of the Pinterest REST API v5, driven by the official OpenAPI description."""

from pinterest_simulator.server import Simulator

__all__ = ["Simulator"]
