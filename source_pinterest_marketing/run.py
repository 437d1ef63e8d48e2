"""Console entry point: `source-pinterest-marketing spec|check|discover|read ...`."""

from __future__ import annotations

import sys

from airbyte_cdk.entrypoint import launch

from source_pinterest_marketing.source import SourcePinterestMarketing


def run() -> None:
    launch(SourcePinterestMarketing(), sys.argv[1:])


if __name__ == "__main__":
    run()
