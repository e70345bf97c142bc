"""Spec-compliant WS-Discovery responder (PyPI ``wsdiscovery``) announcing one ONVIF device.

Real cameras answer a Probe with ``ProbeMatches``; the ipycam emulator answers with a bare
``ProbeMatch``. Running this next to ipycam gives the tests both variants, and (with the XAddr
of an ipycam emulator) a device announced by two responders under two endpoint references.

usage: python onvif_wsd_publish.py XADDR SCOPE [SCOPE ...]   (inside the camera namespace,
with the camera venv's python; stops on SIGTERM/SIGINT)
"""

import signal
import sys
import threading
import uuid

from wsdiscovery import QName, Scope
from wsdiscovery.publishing import ThreadedWSPublishing


def main() -> int:
    xaddr, scopes = sys.argv[1], sys.argv[2:]
    publisher = ThreadedWSPublishing(uuid_=f"urn:uuid:{uuid.uuid4()}")
    publisher.start()
    types = [
        QName("http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter", "dn"),
        QName("http://www.onvif.org/ver10/device/wsdl", "Device", "tds"),
    ]
    publisher.publishService(types=types, scopes=[Scope(s) for s in scopes], xAddrs=[xaddr])
    print("publishing", xaddr, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    publisher.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
