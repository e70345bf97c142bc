"""Read an ipycam emulator's PTZ position with a raw SOAP GetStatus; print JSON {pan, tilt, zoom}.

usage: python onvif_ptz_status.py PTZ_SERVICE_URL   (inside the VMS namespace; open camera only)
zeep cannot read ipycam's GetStatus reply (undeclared ``ptz:`` prefix), and neither can an
XML parser, so the test oracle reads the two attributes with a regular expression.
"""

import json
import re
import sys
import urllib.request

BODY = (
    '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
    '<s:Body><GetStatus xmlns="http://www.onvif.org/ver20/ptz/wsdl"><ProfileToken>Profile_Main</ProfileToken>'
    "</GetStatus></s:Body></s:Envelope>"
)


def main() -> int:
    request = urllib.request.Request(
        sys.argv[1],
        data=BODY.encode(),
        headers={"Content-Type": "application/soap+xml", "SOAPAction": "GetStatus"},
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        text = resp.read().decode()
    pan_tilt = re.search(r'PanTilt x="([-\d.e]+)" y="([-\d.e]+)"', text)
    zoom = re.search(r'Zoom x="([-\d.e]+)"', text)
    if not (pan_tilt and zoom):
        print(json.dumps({"error": "no position in reply", "reply": text[:500]}))
        return 1
    print(json.dumps({"pan": float(pan_tilt[1]), "tilt": float(pan_tilt[2]), "zoom": float(zoom[1])}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
