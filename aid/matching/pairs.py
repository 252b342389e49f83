"""Every (volunteer, need) pair within the volunteer's reach, found with KD-trees on the unit sphere."""
import numpy as np
from scipy.spatial import cKDTree

from aid.matching.geo import EARTH_KM

# Volunteers are searched in bands of reach growing by 2^(1/4), so a 3 km walker is not
# paired with everything within 100 km and then thrown away: each band searches its top reach.
REACH_BANDS_KM = tuple(2 ** (k / 4) for k in range(4, 41))  # 2 km .. 1024 km


def unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, (n, 3)."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def chord_of(km: float) -> float:
    """Straight-line distance on the unit sphere for a great-circle distance in km."""
    return 2 * np.sin(min(km / EARTH_KM, np.pi) / 2)


def near_pairs(vlat, vlon, reach, nlat, nlon):
    """(volunteer index, need index, km) for every pair with km <= reach[volunteer].

    km is the great-circle distance 2R asin(chord / 2), the same quantity haversine_km
    computes (they agree to ~1e-12 relative). Candidates come from one chord-distance
    KD-tree search per reach band, its radius widened by 1e-9 relative.
    """
    needs = cKDTree(unit_xyz(nlat, nlon))
    band = np.searchsorted(np.asarray(REACH_BANDS_KM), reach)
    out_v, out_n, out_km = [], [], []
    for b in np.unique(band):
        members = np.flatnonzero(band == b)
        top = REACH_BANDS_KM[b] if b < len(REACH_BANDS_KM) else float(reach[members].max())
        found = cKDTree(unit_xyz(vlat[members], vlon[members])).sparse_distance_matrix(
            needs, chord_of(top) * (1 + 1e-9) + 1e-15, output_type="ndarray")
        vi = members[found["i"]]
        km = 2 * EARTH_KM * np.arcsin(np.minimum(found["v"] / 2, 1.0))
        keep = km <= reach[vi]
        out_v.append(vi[keep].astype(np.int32))
        out_n.append(found["j"][keep].astype(np.int32))
        out_km.append(km[keep])
    if not out_v:
        return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0)
    return np.concatenate(out_v), np.concatenate(out_n), np.concatenate(out_km)
