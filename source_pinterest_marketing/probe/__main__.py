"""`python -m source_pinterest_marketing.probe --config ...`: the same as `source-pinterest-marketing-probe`."""

import sys

from source_pinterest_marketing.probe.cli import main

if __name__ == "__main__":
    sys.exit(main())
