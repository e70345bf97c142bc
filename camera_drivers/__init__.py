"""Camera side: RTSP/file ingest with PyAV, segment recording by remux, simulated cameras, ONVIF."""
