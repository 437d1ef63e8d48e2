"""The probe: a read-only command that checks, with the user's own credentials, what the connector assumes about
the Pinterest API (docs/probe.md).

- `switches.py`: the simulator's ambiguity switches, as data (the readings a finding names);
- `client.py`: requests through the connector's sender, counted against the budget, every answer logged;
- `checks.py`: one class per assumption, the shared account lists, the budget;
- `report.py`: findings, statuses, the exit code, the summary table and the JSON;
- `cli.py`: the command (`source-pinterest-marketing-probe`, or `probe` as the first argument of the connector).
"""
