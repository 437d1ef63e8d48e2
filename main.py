"""Entry point used by the Docker image (ENTRYPOINT python /airbyte/integration_code/main.py)."""

from source_pinterest_marketing.run import run

if __name__ == "__main__":
    run()
