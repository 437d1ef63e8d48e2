# Image for the Airbyte source connector source-pinterest-marketing.
#
#   docker build -t airbyte/source-pinterest-marketing:dev .
#   docker run --rm airbyte/source-pinterest-marketing:dev spec
#
# The base image is Airbyte's python-connector-base (Python 3.11), pinned by
# digest; keep it in step with connectorBuildOptions.baseImage in metadata.yaml.
# Override with --build-arg BASE_IMAGE=... (CI uses a locally built stand-in,
# see scripts/ci/base-image.sh).
# Legacy-builder compatible on purpose: no "# syntax=" line, no RUN --mount,
# no heredocs.
ARG BASE_IMAGE=docker.io/airbyte/python-connector-base:4.0.2@sha256:9fdb1888c4264cf6fee473649ecb593f56f58e5d0096a87ee0b231777e2e3e73
FROM ${BASE_IMAGE}

# Connector version for the io.airbyte.version label (metadata.yaml dockerImageTag).
ARG CONNECTOR_VERSION=0.4.1

# Build steps need root whatever user the base image ends on.
# hadolint ignore=DL3066
USER root

# Airbyte's base image already has the non-root user "airbyte"; create it
# where the base lacks it.
RUN id airbyte >/dev/null 2>&1 || useradd --uid 1000 --user-group --create-home --shell /bin/bash airbyte

WORKDIR /airbyte/integration_code

# Dependencies first, in their own layer that stays cached until setup.py
# changes: install the project from an empty placeholder package (pulls in
# airbyte-cdk and the rest), then drop the placeholder.
COPY setup.py ./
RUN mkdir source_pinterest_marketing \
    && touch source_pinterest_marketing/__init__.py \
    && pip install --no-cache-dir . \
    && rm -rf source_pinterest_marketing build ./*.egg-info

# The connector itself. Only what it needs: no tests, no simulator.
# README.md is read by setup.py for the long description (optional there, hence the glob).
COPY main.py README* ./
COPY source_pinterest_marketing ./source_pinterest_marketing
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info \
    && chown -R airbyte:airbyte /airbyte

ENV AIRBYTE_ENTRYPOINT="python /airbyte/integration_code/main.py"
ENTRYPOINT ["python", "/airbyte/integration_code/main.py"]

LABEL io.airbyte.name=airbyte/source-pinterest-marketing
LABEL io.airbyte.version=${CONNECTOR_VERSION}

# Airbyte's convention is the named user (uid 1000 in its base images).
# hadolint ignore=DL3066
USER airbyte
