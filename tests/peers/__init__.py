"""Real protocol peers the tests run against (RTSP server, PostgreSQL), started and stopped by PID."""
