"""VMS service: settings, database, worker supervision, storage policy, API, web UI and CLI."""
