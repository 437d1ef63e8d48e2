"""airbyte-cdk's standard source tests (spec, check, discover, basic read of every stream with
none excused as empty, bad catalog), run against the simulator with acceptance-test-config.yml."""

from __future__ import annotations

from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from source_pinterest_marketing import SourcePinterestMarketing


class TestStandardSuite(SourceTestSuiteBase):
    connector = SourcePinterestMarketing
    # The CDK derives the name from the checkout's folder, which CI names as it likes.
    connector_name = "source-pinterest-marketing"
