"""Cameras per core on real footage: the node engine vs the naive and the previous design (issue 11).

    VMS_TEST_DATA=/work/shared/data python bench/scale.py [--quick] [--max-n 64] [--json PATH]

N cameras, each fed from a real shared clip as a dual-stream camera (main = the clip scaled to
1080p H.264, sub = 640x360; `bench/dual_source.py`), paced in real time and looped, run through
each design (`bench/scale_run.py`: the engine is `vms serve`'s Site + Supervisor with its camera
worker processes and detector service). N is raised (doubling, then bisection) until real time
cannot be held (> 1 % of the frames analysis should get are lost); cameras per core = the
largest N held / CPU cores. A design that cannot hold even one camera is given the share of one
camera's frames it analysed (e.g. 0.4). Mixes: busy (PETS09, CDnet highway, bgslibrary highway),
quiet (Intel parking lot, Intel one-by-one people, bgslibrary empty road with one car), and mix
(alternating). No night footage exists in the shared data, so none is in the quiet mix.

Quality from the engine's own output in the same run: during a final engine step at the mix's
largest N, two more cameras analyse PETS09 and TUD-Campus (sub stream, detect fps, the same
detector service: `scale_cameras.quality_camera_main`), scored with motmetrics on the analysed
frames (IoU 0.5, persons).

It takes a while: every step starts N processes, waits for all to analyse, settles and measures
(`--quick`: shorter windows, one bisection step, N <= 32; about 25-40 min on 2 cores).
The machine's load average is recorded with every step: other jobs on the machine make every
design look worse, the ratios less so.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

if __name__ == "__main__":
    # Only here: the spawn start method runs this file again in every child as `__mp_main__`, and
    # the camera processes must not carry the bench's own imports (motmetrics/pandas, ...).
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from scale_ramp import main

    multiprocessing.set_start_method("spawn", force=True)
    sys.exit(main(__doc__ or ""))
