import numpy as np

from ecoledger.terrain import fill_depressions, flow_direction_d8
from ecoledger.terrain.watersheds import watersheds


def test_two_valleys_drain_to_their_outlets():
    # a ridge along the middle column; the left half drains west, the right half east
    x = np.abs(np.arange(7) - 3).astype(float)
    dem = np.tile(10.0 - x, (5, 1)) + np.arange(5)[:, None] * 0.1
    directions = flow_direction_d8(fill_depressions(dem))
    outlets = np.zeros(dem.shape, dtype=int)
    outlets[0, 0] = 1
    outlets[0, 6] = 2
    labels = watersheds(directions, outlets)
    assert (labels[:, :3] == 1).all() and (labels[:, 4:] == 2).all()


def test_cells_leaving_the_grid_elsewhere_are_unlabelled():
    east = np.zeros((3, 3), dtype=np.uint8)  # everything flows east, off the grid
    outlets = np.zeros((3, 3), dtype=int)
    outlets[1, 1] = 5
    labels = watersheds(east, outlets)
    assert labels[1, 0] == 5 and labels[1, 1] == 5
    assert labels[1, 2] == 0 and labels[0].sum() == 0
