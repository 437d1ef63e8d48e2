"""Packaging for source-pinterest-marketing (the connector) and its test extras."""

from setuptools import find_packages, setup

MAIN_REQUIREMENTS = [
    # the minor release the suite is run against: only its public API is used, but a new minor is tested before
    # it is allowed (README, "Moving to a new airbyte-cdk")
    "airbyte-cdk~=7.39.1",
    "requests>=2.32,<3",
    "pydantic>=2.7,<3",
    # streaming JSON parsing: large analytics bodies and report files are never held parsed whole
]

TEST_REQUIREMENTS = [
    "pytest>=8,<10",
    "pytest-mock>=3.14,<4",
    "pytest-timeout>=2.3,<3",
    "requests-mock>=1.12,<2",
    "werkzeug>=3.0,<4",
    "jsonschema>=4.18,<5",  # `referencing` (the metadata schema test)
    "pyyaml>=6,<7",
    "ruff>=0.6",
    "mypy>=1.10",
    "types-requests>=2.32",
    "types-jsonschema>=4.18",  # mypy --strict over the simulator
]

setup(
    name="source-pinterest-marketing",
    version="0.4.1",
    description="Airbyte source connector for the Pinterest Marketing API v5",
    license="MIT",
    python_requires=">=3.11,<3.14",
    # The simulator ships with source checkouts (tests, demo, benchmark); the Docker image copies
    # only the connector package, so it never contains the simulator.
    packages=find_packages(include=["source_pinterest_marketing*", "pinterest_simulator*"]),
    package_data={
        "source_pinterest_marketing": ["schemas/*.json", "schemas/shared/*.json", "data/*.json", "data/*.csv"],
        "pinterest_simulator": ["data/*", "README.md"],
    },
    install_requires=MAIN_REQUIREMENTS,
    extras_require={"tests": TEST_REQUIREMENTS},
    entry_points={
        "console_scripts": [
            "source-pinterest-marketing=source_pinterest_marketing.run:run",
            "source-pinterest-marketing-authorize=source_pinterest_marketing.authorize:main",
            "source-pinterest-marketing-probe=source_pinterest_marketing.probe.cli:main",
            "source-pinterest-marketing-catalog=source_pinterest_marketing.configured_catalog:main",
        ]
    },
)
