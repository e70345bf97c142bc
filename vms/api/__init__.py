"""HTTP API (FastAPI): one router per domain, an app factory, no engine built at import time."""
