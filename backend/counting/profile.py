"""Aggregations of ballots used by the counting rules: project scores and grouped approval ballots."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from backend.counting.model import Ballots, FloatArray, IndexArray, IntArray


class BallotKind(StrEnum):
    """Ballot kinds as named by pabulib's META ``vote_type``."""

    APPROVAL = "approval"
    CHOOSE_1 = "choose-1"
    CUMULATIVE = "cumulative"
    SCORING = "scoring"
    ORDINAL = "ordinal"

    @property
    def has_points(self) -> bool:
        """Whether each ballot carries points next to its projects."""
        return self in (BallotKind.CUMULATIVE, BallotKind.SCORING)

    @property
    def is_approval(self) -> bool:
        """Whether a ballot is a plain set of approved projects."""
        return self in (BallotKind.APPROVAL, BallotKind.CHOOSE_1)


def check_positions(ballots: Ballots, n_projects: int) -> None:
    """Raise ``ValueError`` if a ballot names a position outside the envelope's project list."""
    if len(ballots.indices) and (ballots.indices.min() < 0 or ballots.indices.max() >= n_projects):
        raise ValueError(f"ballots name a project position outside 0..{n_projects - 1}")


def approval_counts(ballots: Ballots, n_projects: int) -> FloatArray:
    """Number of ballots naming each project."""
    check_positions(ballots, n_projects)
    return np.bincount(ballots.indices, minlength=n_projects).astype(np.float64)


def ordinal_points(ballots: Ballots) -> FloatArray:
    """Positional points of ordinal ballots, parallel to ``ballots.indices``.

    The project ranked k-th (from 0) on a ballot naming L projects gets L - k points: 3-2-1 on a
    full Kraków ballot. This is how pabulib computes the ``score`` column of ordinal files
    (Borda over the ranked projects), and it reproduces Kraków 2019's official scores.
    """
    # Entry e of a ballot ending at entry `end` sits at rank e - start, and L - rank = end - e.
    ends = np.repeat(ballots.indptr[1:], np.diff(ballots.indptr))
    return (ends - np.arange(len(ballots.indices), dtype=np.int64)).astype(np.float64)


def project_scores(kind: BallotKind, ballots: Ballots, n_projects: int) -> FloatArray:
    """The score of each project: votes (approval, choose-1), points (cumulative, scoring) or
    positional points (ordinal, see :func:`ordinal_points`)."""
    if kind.is_approval:
        return approval_counts(ballots, n_projects)
    check_positions(ballots, n_projects)
    if kind.has_points:
        if ballots.points is None:
            raise ValueError(f"{kind} ballots need points")
        weights = ballots.points
    else:
        weights = ordinal_points(ballots)
    return np.bincount(ballots.indices, weights=weights, minlength=n_projects).astype(np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class GroupedApprovals:
    """Distinct approval ballots with their multiplicities, indexed both ways.

    Voters who approve the same set of projects are interchangeable in every rule here, so the
    rules work on ``weights[g]`` copies of ballot ``g`` instead of on each voter.
    ``supporters[csc_ptr[p]:csc_ptr[p + 1]]`` are the distinct ballots approving project ``p``.
    """

    n_voters: int
    weights: FloatArray
    csc_ptr: IntArray
    supporters: IndexArray

    def supporters_of(self, project: int) -> IndexArray:
        """Distinct ballots approving ``project``."""
        return self.supporters[self.csc_ptr[project] : self.csc_ptr[project + 1]]


def _popcount_rows(keys: npt.NDArray[np.uint64]) -> IntArray:
    """Number of bits set in each row (``np.bitwise_count`` from numpy 2, a byte table before)."""
    bitwise_count = getattr(np, "bitwise_count", None)
    if bitwise_count is not None:
        counted: np.ndarray[tuple[Any, ...], np.dtype[np.int64]] = np.asarray(
            bitwise_count(keys), dtype=np.int64
        ).sum(axis=1)
        return counted
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)
    bits: np.ndarray[tuple[Any, ...], np.dtype[np.int64]] = (
        table[keys.view(np.uint8)].reshape(len(keys), -1).sum(axis=1)
    )
    return bits


def group_approvals(ballots: Ballots, n_projects: int) -> GroupedApprovals:
    """Group identical approval ballots (vectorised: one bit mask per ballot, then one sort).

    Raises ``ValueError`` if a ballot names a project twice or names an unknown position.
    """
    check_positions(ballots, n_projects)
    n = ballots.n_voters
    lengths = np.diff(ballots.indptr)
    words = max(1, (n_projects + 63) // 64)
    keys = np.zeros((n, words), dtype=np.uint64)
    nonempty = lengths > 0
    starts = ballots.indptr[:-1][nonempty]
    word_of = ballots.indices // 64
    bits = np.left_shift(np.uint64(1), (ballots.indices % 64).astype(np.uint64))
    for w in range(words):
        if len(starts):
            word_bits = np.where(word_of == w, bits, np.uint64(0))
            keys[nonempty, w] = np.bitwise_or.reduceat(word_bits, starts)
    if np.any(_popcount_rows(keys) != lengths):
        raise ValueError("a ballot names the same project more than once")
    if words == 1:
        _, first, counts = np.unique(keys[:, 0], return_index=True, return_counts=True)
    else:
        _, first, counts = np.unique(keys, axis=0, return_index=True, return_counts=True)
    rep_lengths = lengths[first]
    rep_ptr = np.zeros(len(first) + 1, dtype=np.int64)
    np.cumsum(rep_lengths, out=rep_ptr[1:])
    # Gather the entries of each representative ballot into one flat array.
    offsets = np.repeat(ballots.indptr[first] - rep_ptr[:-1], rep_lengths)
    flat = ballots.indices[offsets + np.arange(rep_ptr[-1], dtype=np.int64)]
    ballot_of = np.repeat(np.arange(len(first), dtype=np.int32), rep_lengths)
    order = np.argsort(flat, kind="stable")
    csc_ptr = np.zeros(n_projects + 1, dtype=np.int64)
    np.cumsum(np.bincount(flat, minlength=n_projects), out=csc_ptr[1:])
    return GroupedApprovals(
        n_voters=n, weights=counts.astype(np.float64), csc_ptr=csc_ptr, supporters=ballot_of[order]
    )
