"""Motion mask -> object boxes: outer contours, then optional splitting of merged blobs and
merging of one object's fragments.

Background subtraction sees pixels, not objects. Two people walking side by side become one
blob; one person cut by a lamp post or a sign becomes two. These functions turn a mask into
boxes that are closer to one box per object, with rules that need no training: a column
valley in a blob's upper half separates side-by-side objects, and fragments stacked one above
the other whose union is upright belong to one standing object.
"""

from __future__ import annotations

import cv2
import numpy as np

# Fragments are merged only when the union is at least this many times taller than wide:
# upright objects (people, poles, bikes seen from behind). Wide unions (cars side by side,
# a person next to a car) are never merged.
UPRIGHT_ASPECT = 1.5
# Stacked fragments must share at least this share of the narrower one's width.
STACK_OVERLAP = 0.5


def mask_boxes(mask: np.ndarray, min_area: float) -> tuple[np.ndarray, np.ndarray]:
    """Outer contours of a {0,255} mask as boxes.

    Contours rather than connected-component stats: ~10x cheaper on a sparse mask, and a
    blob's outer contour gives the same bounding box.

    Returns:
        (k, 4) int32 xyxy and (k,) int32 contour areas in px, blobs below `min_area` dropped.
    """
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes, areas = [], []
    for c in contours:  # few blobs per frame; each call is C
        x, y, w, h = cv2.boundingRect(c)
        area = max(cv2.contourArea(c), 1.0)
        if area >= min_area:
            boxes.append((x, y, x + w, y + h))
            areas.append(area)
    return np.asarray(boxes, np.int32).reshape(-1, 4), np.asarray(areas, np.int32)


def _valley(profile: np.ndarray, ratio: float, margin: int) -> int | None:
    """Index of the deepest column valley below `ratio` x the lower of the peaks on its two
    sides, at least `margin` columns from either end; None when there is none."""
    n = len(profile)
    if n < 2 * margin + 1:
        return None
    left = np.maximum.accumulate(profile)
    right = np.maximum.accumulate(profile[::-1])[::-1]
    peak = np.minimum(left, right)
    depth = profile[margin : n - margin] / np.maximum(peak[margin : n - margin], 1.0)
    k = int(np.argmin(depth))
    return k + margin if depth[k] < ratio else None


def split_blobs(
    mask: np.ndarray, boxes: np.ndarray, areas: np.ndarray, ratio: float, min_area: float, margin: int = 4
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split blobs at deep valleys of their column profile (side-by-side people).

    Only columns are split, judged on the blob's upper half: row valleys and lower-half
    valleys are mostly one person's own waist or legs.

    Args:
        mask: (h, w) {0,255} motion mask; boxes: (k, 4) int32 xyxy of its blobs; areas: (k,).
    Returns:
        (m, 4) int32 boxes, (m,) int32 pixel counts and (m,) int32 index of the input blob
        each part came from (so that a later merge does not undo a split).
    """
    out_boxes, out_areas, out_parents = [], [], []
    stack = [(*(int(v) for v in b), int(a), i) for i, (b, a) in enumerate(zip(boxes, areas))]
    while stack:  # each split makes both parts strictly narrower, so this ends
        x1, y1, x2, y2, area, parent = stack.pop()
        k = None
        if x2 - x1 > 2 * margin:
            # Upper half only: people's heads and torsos part where their legs may not, and a
            # single walker's legs apart must not look like two people.
            top = mask[y1 : y1 + max(1, (y2 - y1) // 2), x1:x2]
            profile = cv2.reduce(top, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32F).ravel()
            k = _valley(profile, ratio, margin)
        if k is None:
            area = area if area >= 0 else cv2.countNonZero(mask[y1:y2, x1:x2])
            if area >= min_area:
                out_boxes.append((x1, y1, x2, y2))
                out_areas.append(area)
                out_parents.append(parent)
            continue
        sub = mask[y1:y2, x1:x2] > 0
        for a, b in ((0, k), (k + 1, x2 - x1)):
            part = sub[:, a:b]
            rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
            if len(rows):
                stack.append(
                    (x1 + a + cols[0], y1 + rows[0], x1 + a + cols[-1] + 1, y1 + rows[-1] + 1, -1, parent)
                )
    return (
        np.asarray(out_boxes, np.int32).reshape(-1, 4),
        np.asarray(out_areas, np.int32),
        np.asarray(out_parents, np.int32),
    )


def _stacked_pairs(boxes: np.ndarray, members: np.ndarray, max_gap: float) -> np.ndarray:
    """(k, k) bool: pairs of boxes that are fragments of one upright object.

    A pair qualifies when the boxes overlap horizontally by STACK_OVERLAP of the narrower
    width, the vertical gap between them is at most `max_gap` x the taller height (negative
    gaps, i.e. overlaps, qualify), the union is UPRIGHT_ASPECT times taller than wide, and the
    two share no source blob (`members`: (k, n) bool, box k holds pieces of blob n).
    """
    b = boxes.astype(np.float32)
    x1, y1, x2, y2 = (b[:, i] for i in range(4))
    w, h = x2 - x1, y2 - y1
    x_overlap = np.minimum(x2[:, None], x2[None, :]) - np.maximum(x1[:, None], x1[None, :])
    y_gap = np.maximum(y1[:, None], y1[None, :]) - np.minimum(y2[:, None], y2[None, :])
    union_w = np.maximum(x2[:, None], x2[None, :]) - np.minimum(x1[:, None], x1[None, :])
    union_h = np.maximum(y2[:, None], y2[None, :]) - np.minimum(y1[:, None], y1[None, :])
    ok = (
        (x_overlap >= STACK_OVERLAP * np.minimum(w[:, None], w[None, :]))
        & (y_gap <= max_gap * np.maximum(h[:, None], h[None, :]))
        & (union_h >= UPRIGHT_ASPECT * union_w)
        & ~(members @ members.T)  # bool matmul: any shared blob
    )
    return np.triu(ok, 1)


def merge_stacked(
    boxes: np.ndarray, areas: np.ndarray, parents: np.ndarray, max_gap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge fragments of one upright object (a walker cut by a sign or lamp post, a head
    apart from the body) into one box; see `_stacked_pairs` for the rule.

    Args:
        boxes: (k, 4) int32 xyxy; areas: (k,) pixel counts; parents: (k,) index of the blob
        each box was split from (pieces of one blob are never merged back, not even through
        a third box).
    Returns:
        (m, 4) int32 boxes and (m,) int32 summed pixel counts, m <= k.
    """
    boxes, areas = boxes.copy(), areas.copy()
    members = parents[:, None] == np.unique(parents)[None, :]
    while len(boxes) > 1:  # each merge removes one box, so this ends
        pairs = np.argwhere(_stacked_pairs(boxes, members, max_gap))
        if not len(pairs):
            break
        i, j = pairs[0]
        boxes[i, :2] = np.minimum(boxes[i, :2], boxes[j, :2])
        boxes[i, 2:] = np.maximum(boxes[i, 2:], boxes[j, 2:])
        areas[i] += areas[j]
        members[i] |= members[j]
        keep = np.arange(len(boxes)) != j
        boxes, areas, members = boxes[keep], areas[keep], members[keep]
    return boxes, areas
