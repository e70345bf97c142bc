"""Decode an RTSP stream with PyAV for a few seconds and print JSON {frames, width, height, keyframes}.

usage: python onvif_pull.py URI SECONDS   (run inside the VMS network namespace)
Stands in for the recorder in the ONVIF tests until they use the real one.
"""

import json
import sys
import time

import av


def main() -> int:
    uri, seconds = sys.argv[1], float(sys.argv[2])
    frames = keyframes = width = height = 0
    with av.open(uri, options={"rtsp_transport": "tcp", "timeout": "5000000"}, timeout=(10, 5)) as container:
        deadline = time.monotonic() + seconds
        for frame in container.decode(video=0):
            frames += 1
            keyframes += int(frame.key_frame)
            width, height = frame.width, frame.height
            if time.monotonic() >= deadline or frames >= 2000:
                break
    print(json.dumps({"frames": frames, "keyframes": keyframes, "width": width, "height": height}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
