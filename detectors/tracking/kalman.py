"""Batched constant-velocity Kalman filter over boxes, with time steps in seconds.

State per track (8,): cx, cy, w, h (px) and their rates vcx, vcy, vw, vh (px/s). The size rates
matter: a car driving towards the camera grows by half its size per second, and a filter without
them predicts a box that is too small and too far back.

Noise is relative to the box height (a 300 px person jitters more pixels than a 30 px one) and
scales with the time step (variance proportional to dt), so the same filter works at 5 fps and
at 30 fps. ByteTrack's constants are per frame, so its filter assumes smoother motion the lower
the frame rate; here they are rates. ByteTrack at 30 fps amounts to 0.27 h per sqrt(s) for the
position and 1.0 h/s per sqrt(s) for the velocity; at 7 fps to 0.13 and 0.12. On the first half
of PETS09 (the tuning half; bench/RESULTS.md) rates near 0.13 / 0.2 kept identities best at 5 fps
and at 7 fps, with both detectors, while 1.0 for the velocity cost 0.1-0.2 IDF1: people and cars
change their velocity slowly compared with how much a detector box jitters.
"""

from __future__ import annotations

import numpy as np

POS_RATE = 0.13  # position random walk, box heights per sqrt(second)
VEL_RATE = 0.2  # velocity random walk, box heights per second per sqrt(second)
MEAS_STD = 0.05  # detection box noise, box heights (ByteTrack's)
INIT_POS_STD = 0.1  # first sighting, box heights
INIT_VEL_STD = 1.0  # first sighting: unknown velocity, box heights per second (a brisk walk)


def xyxy_to_z(xyxy: np.ndarray) -> np.ndarray:
    """(n, 4) xyxy -> (n, 4) float64 cx, cy, w, h."""
    xyxy = np.asarray(xyxy, np.float64).reshape(-1, 4)
    wh = xyxy[:, 2:] - xyxy[:, :2]
    return np.concatenate([xyxy[:, :2] + wh / 2, wh], axis=1)


def z_to_xyxy(z: np.ndarray) -> np.ndarray:
    """(n, >=4) cx, cy, w, h -> (n, 4) float32 xyxy (sides at least 1 px)."""
    half = np.clip(z[:, 2:4], 1.0, None) / 2
    return np.concatenate([z[:, :2] - half, z[:, :2] + half], axis=1).astype(np.float32)


def _diag(std: np.ndarray) -> np.ndarray:
    """(n, k) standard deviations -> (n, k, k) diagonal covariances."""
    return np.einsum("ni,ij->nij", std**2, np.eye(std.shape[1]))


class BoxKalman:
    """Stateless helper: every method takes and returns batched (mean, cov)."""

    H = np.eye(4, 8)

    def initiate(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, 4) measurements -> mean (n, 8), cov (n, 8, 8); velocities start at zero."""
        h = np.maximum(z[:, 3:4], 1.0)
        mean = np.concatenate([z, np.zeros_like(z)], axis=1)
        std = np.concatenate([INIT_POS_STD * h * np.ones((1, 4)), INIT_VEL_STD * h * np.ones((1, 4))], axis=1)
        return mean, _diag(std)

    def predict(self, mean: np.ndarray, cov: np.ndarray, dt: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Advance every track by `dt` seconds (scalar or (n,))."""
        n = len(mean)
        dt = np.broadcast_to(np.asarray(dt, np.float64), (n,))
        f = np.broadcast_to(np.eye(8), (n, 8, 8)).copy()
        f[:, np.arange(4), np.arange(4) + 4] = dt[:, None]
        h = np.maximum(mean[:, 3:4], 1.0)
        root = np.sqrt(np.maximum(dt, 0.0))[:, None]
        std = np.concatenate([POS_RATE * h * root * np.ones((1, 4)), VEL_RATE * h * root * np.ones((1, 4))], axis=1)
        mean = np.einsum("nij,nj->ni", f, mean)
        cov = np.einsum("nij,njk,nlk->nil", f, cov, f) + _diag(std)
        return mean, cov

    def project(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Measurement-space mean (n, 4) and innovation covariance S (n, 4, 4)."""
        h = np.maximum(mean[:, 3:4], 1.0)
        r = _diag(MEAS_STD * h * np.ones((1, 4)))
        return mean[:, :4], cov[:, :4, :4] + r

    def update(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Correct tracks with their matched measurements z (n, 4)."""
        zp, s = self.project(mean, cov)
        pht = cov[:, :, :4]  # P H^T for H = [I 0]
        gain = np.linalg.solve(s, pht.transpose(0, 2, 1)).transpose(0, 2, 1)  # (n, 8, 4)
        mean = mean + np.einsum("nij,nj->ni", gain, z - zp)
        cov = cov - np.einsum("nij,njk->nik", gain, cov[:, :4, :])
        return mean, cov

    def mahalanobis(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(n, m) squared Mahalanobis distances of m measurements to n predicted tracks."""
        if len(mean) == 0 or len(z) == 0:
            return np.zeros((len(mean), len(z)))
        zp, s = self.project(mean, cov)
        chol = np.linalg.cholesky(s)  # (n, 4, 4)
        d = z[None, :, :] - zp[:, None, :]  # (n, m, 4)
        sol = np.linalg.solve(chol[:, None, :, :], d[..., None])[..., 0]
        return np.einsum("nmi,nmi->nm", sol, sol)
