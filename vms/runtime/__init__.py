"""The per-camera runtime: supervisor -> one worker process per camera (record, health,
reconnect) -> live analysis thread -> events writer. Everything that runs while cameras stream."""
